"""The OpenAPI schema is valid, warning-free and served with interactive docs."""

from __future__ import annotations

import pytest
from django.core.management import call_command


def test_schema_validates_without_warnings(tmp_path) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file",
                 str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    assert "openapi: 3" in text
    assert "/api/v1/patients/{id}" in text


@pytest.mark.django_db
def test_schema_and_docs_are_for_admins_only(client, api_client) -> None:
    """Issue 18 row 10: the schema (every path, admin erasures included) was open."""
    from tests.factories import PatientFactory, bearer

    for url in ("/api/schema/", "/api/docs/"):
        anonymous = client.get(url)
        assert anonymous.status_code == 401
        assert b"/api/v1/erasures" not in anonymous.content
    patient = PatientFactory()
    for user in (patient.user, patient.physiotherapist):
        assert api_client.get("/api/schema/", **bearer(user)).status_code == 403


@pytest.mark.django_db
def test_schema_and_docs_are_served_without_a_cdn(client) -> None:
    from tests.factories import AdminFactory

    client.force_login(AdminFactory())
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "cdn.jsdelivr.net" not in page
    assert "/static/drf_spectacular_sidecar/" in page


def test_no_serializer_exposes_all_fields() -> None:
    import inspect

    from rest_framework import serializers

    import assessments.api.serializers as module

    for _, cls in inspect.getmembers(module, inspect.isclass):
        if issubclass(cls, serializers.ModelSerializer) and cls is not serializers.ModelSerializer:
            assert cls.Meta.fields != "__all__", cls
            assert not hasattr(cls.Meta, "exclude"), cls
