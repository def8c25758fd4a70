"""Content-Security-Policy and Permissions-Policy (issue 18 row 9)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import AdminFactory, PatientFactory, bearer

ROOT = Path(settings.BASE_DIR)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";")}


@pytest.mark.django_db
def test_every_kind_of_page_carries_the_policies(client, api_client) -> None:
    patient = PatientFactory()
    client.force_login(patient.physiotherapist)
    pages = [client.get("/dashboard/"), client.get(f"/dashboard/patients/{patient.pk}/"),
             client.get("/accounts/login/"),
             api_client.get("/api/v1/me", **bearer(patient.user))]
    client.force_login(AdminFactory())
    pages += [client.get("/admin/"), client.get("/api/docs/")]
    for page in pages:
        assert page.status_code == 200, page
        csp = directives(page)
        assert csp["script-src"] == "script-src 'self'"
        assert csp["object-src"] == "object-src 'none'"
        assert csp["frame-ancestors"] == "frame-ancestors 'none'"
        assert "camera=()" in page["Permissions-Policy"]
        assert "geolocation=()" in page["Permissions-Policy"]


@pytest.mark.django_db
def test_the_api_docs_need_no_inline_script(client) -> None:
    client.force_login(AdminFactory())
    page = client.get("/api/docs/").content.decode()
    assert not INLINE_SCRIPT.search(page)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_site_s_own_templates_have_no_inline_script() -> None:
    """script-src 'self' forbids inline scripts and handlers: a template that needs one
    would break in the browser, so none may have one."""
    offenders = []
    for folder in ("assessments", "exercises", "classifier", "backtracker_site"):
        for template in (ROOT / folder).rglob("templates/**/*.html"):
            text = template.read_text()
            if INLINE_SCRIPT.search(text) or INLINE_HANDLER.search(text):
                offenders.append(str(template.relative_to(ROOT)))
    assert offenders == []


def test_videos_from_the_bucket_are_allowed_by_the_policy(settings) -> None:
    from backtracker_site.middleware import content_security_policy

    settings.AWS_STORAGE_BUCKET_NAME = "videos"
    settings.AWS_S3_ENDPOINT_URL = "https://minio.example.org:9000"
    assert "media-src 'self' https://minio.example.org:9000" in content_security_policy()
