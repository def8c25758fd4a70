"""Hostile bodies and parameters get a 4xx in the API's error format, never a 500
(issue 18 row 8)."""

from __future__ import annotations

import pytest

from tests.factories import TEST_PASSWORD, PatientFactory, PhysiotherapistFactory, bearer

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token"


def test_a_deeply_nested_json_body_is_a_400(api_client) -> None:
    response = api_client.post(TOKEN_URL, "[" * 50_000, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_an_overlong_email_at_sign_in_is_refused_cleanly(api_client, client) -> None:
    email = "a" * 290 + "@example.org"
    response = api_client.post(TOKEN_URL, {"email": email, "password": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    web = client.post("/accounts/login/", {"username": email, "password": TEST_PASSWORD})
    assert web.status_code == 200  # the form again, with its error


def test_a_nul_character_in_parameters_is_a_400(client, api_client) -> None:
    physio = PhysiotherapistFactory()
    client.force_login(physio)
    assert client.get("/dashboard/", {"q": "\x00"}).status_code == 400
    assert client.get("/dashboard/", {"q": "ok"}).status_code == 200
    patient = PatientFactory(physiotherapist=physio)
    api = api_client.get("/api/v1/patients", {"search": "a\x00b"}, **bearer(physio))
    assert api.status_code == 400
    assert api.json()["error"]["code"] == "invalid"
    assert api_client.get("/api/v1/patients", **bearer(physio)).json()["count"] == 1
    sign_in = client.post("/accounts/login/", {"username": "x\x00@example.org",
                                               "password": TEST_PASSWORD})
    assert sign_in.status_code == 400
    assert patient.pk


def test_an_oversized_body_gets_the_api_error_format(api_client, settings) -> None:
    """Row 12: bodies over DATA_UPLOAD_MAX_MEMORY_SIZE were an HTML 400/413."""
    body = b'{"email": "' + b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'
    response = api_client.generic("POST", TOKEN_URL, body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_a_bad_host_gets_the_api_error_format(api_client) -> None:
    response = api_client.get("/api/v1/health", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert b"<html" not in api_client.get("/api/v1/me", HTTP_HOST="evil.example").content


def test_a_lockout_says_when_to_try_again(api_client, client, settings) -> None:
    user = PatientFactory().user
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_client.post(TOKEN_URL, {"email": user.email, "password": "wrong"}, format="json")
    locked = api_client.post(TOKEN_URL, {"email": user.email, "password": TEST_PASSWORD},
                             format="json")
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    web = client.post("/accounts/login/", {"username": user.email, "password": TEST_PASSWORD})
    assert web.status_code == 429
    assert web["Retry-After"] == locked["Retry-After"]
