"""Two-factor sign-in: required for staff on the dashboard, the admin and the API sign-in;
patients may opt in (issue 18, staff MFA)."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from assessments import mfa
from tests.factories import (
    TEST_PASSWORD,
    AdminFactory,
    PatientFactory,
    PhysiotherapistFactory,
    bearer,
)

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token"


def code(device: TOTPDevice) -> str:
    """The code the authenticator app shows now."""
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def form_login(client, user, next_url: str) -> str:
    response = client.post(f"/accounts/login/?next={next_url}",
                           {"username": user.email, "password": TEST_PASSWORD,
                            "next": next_url})
    assert response.status_code == 302
    return response["Location"]


def confirmed_device(user) -> TOTPDevice:
    device = mfa.mfa_start(user=user)
    mfa.mfa_confirm(user=user, token=code(device))
    device.refresh_from_db()
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # let the test reuse a code
    device.refresh_from_db()
    return device


@pytest.mark.parametrize("factory", [PhysiotherapistFactory, AdminFactory])
def test_staff_without_an_authenticator_must_set_one_up(client, factory) -> None:
    user = factory()
    target = "/dashboard/" if factory is PhysiotherapistFactory else "/admin/"
    client.get(form_login(client, user, target))
    refused = client.get(target)
    assert refused.status_code == 302
    assert refused["Location"].startswith("/accounts/mfa/setup/")
    setup = client.get(refused["Location"])
    assert setup.status_code == 200
    assert b"data:image/svg+xml" in setup.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post(refused["Location"], {"otp": "000000", "next": target})
    assert wrong.status_code == 400
    done = client.post(refused["Location"], {"otp": code(device), "next": target})
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-z]+)</code>", done.content.decode())
    assert len(codes) == mfa.RECOVERY_CODES
    assert client.get(target).status_code == 200  # this session is verified now


def test_a_staff_session_needs_a_code_every_sign_in(client) -> None:
    physio = PhysiotherapistFactory()
    device = confirmed_device(physio)
    form_login(client, physio, "/dashboard/")
    verify = client.get("/dashboard/")["Location"]
    assert verify.startswith("/accounts/mfa/verify/")
    assert client.get("/admin/").status_code == 302
    api = client.get("/api/v1/me")  # session use of the API is held back too
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "mfa_required"
    assert client.post(verify, {"otp": "123456", "next": "/dashboard/"}).status_code == 400
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0,
                                                   throttling_failure_timestamp=None)
    ok = client.post("/accounts/mfa/verify/", {"otp": code(device), "next": "/dashboard/"})
    assert ok.status_code == 302
    assert ok["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_a_recovery_code_works_once(client) -> None:
    admin = AdminFactory()
    device = mfa.mfa_start(user=admin)
    _, codes = mfa.mfa_confirm(user=admin, token=code(device))
    form_login(client, admin, "/admin/")
    assert client.post("/accounts/mfa/verify/", {"otp": codes[0], "next": "/admin/"}
                       ).status_code == 302
    assert client.get("/admin/").status_code == 200
    client.logout()
    form_login(client, admin, "/admin/")
    assert client.post("/accounts/mfa/verify/", {"otp": codes[0], "next": "/admin/"}
                       ).status_code == 400
    assert client.get("/admin/").status_code == 302


def test_the_verify_page_does_not_redirect_elsewhere(client) -> None:
    physio = PhysiotherapistFactory()
    device = confirmed_device(physio)
    form_login(client, physio, "/dashboard/")
    response = client.post("/accounts/mfa/verify/", {"otp": code(device),
                                                     "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_api_sign_in_asks_staff_for_the_second_factor(api_client) -> None:
    physio = PhysiotherapistFactory()
    body = {"email": physio.email, "password": TEST_PASSWORD}
    unset = api_client.post(TOKEN_URL, body, format="json")
    assert unset.status_code == 401
    assert unset.json()["error"]["code"] == "mfa_setup_required"
    device = confirmed_device(physio)
    missing = api_client.post(TOKEN_URL, body, format="json")
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "otp_required"
    assert "access" not in missing.json()
    assert not OutstandingToken.objects.filter(user=physio).exists()  # none made
    physio.refresh_from_db()
    assert physio.last_login is None
    ok = api_client.post(TOKEN_URL, {**body, "otp": code(device)}, format="json")
    assert ok.status_code == 200
    assert "access" in ok.json()
    # The same code cannot be used twice.
    again = api_client.post(TOKEN_URL, {**body, "otp": code(device)}, format="json")
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "otp_invalid"


def test_failed_codes_are_throttled(api_client) -> None:
    admin = AdminFactory()
    device = confirmed_device(admin)
    body = {"email": admin.email, "password": TEST_PASSWORD}
    with freeze_time("2026-12-08 10:00:00"):
        for _ in range(3):
            api_client.post(TOKEN_URL, {**body, "otp": "000000"}, format="json")
        right = api_client.post(TOKEN_URL, {**body, "otp": code(device)}, format="json")
    assert right.status_code == 401  # even the right code waits after failures
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1


def test_a_patient_may_opt_in_and_out_over_the_api(api_client) -> None:
    patient = PatientFactory().user
    auth = bearer(patient)
    body = {"email": patient.email, "password": TEST_PASSWORD}
    assert api_client.post(TOKEN_URL, body, format="json").status_code == 200
    started = api_client.post("/api/v1/me/mfa", **auth)
    assert started.status_code == 201
    assert started.json()["otpauth_uri"].startswith("otpauth://totp/")
    device = TOTPDevice.objects.get(user=patient)
    confirmed = api_client.post("/api/v1/me/mfa/confirm", {"otp": code(device)},
                                format="json", **auth)
    assert confirmed.status_code == 200
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == mfa.RECOVERY_CODES
    assert api_client.post(TOKEN_URL, body, format="json").status_code == 401
    assert api_client.post(TOKEN_URL, {**body, "otp": codes[1]}, format="json"
                           ).status_code == 200
    assert api_client.post("/api/v1/me/mfa", **auth).status_code == 409
    wrong = api_client.delete("/api/v1/me/mfa", {"password": "nope"}, format="json", **auth)
    assert wrong.status_code == 400
    off = api_client.delete("/api/v1/me/mfa", {"password": TEST_PASSWORD}, format="json",
                            **auth)
    assert off.status_code == 204
    assert api_client.post(TOKEN_URL, body, format="json").status_code == 200


def test_staff_cannot_switch_it_off(api_client) -> None:
    physio = PhysiotherapistFactory()
    confirmed_device(physio)
    response = api_client.delete("/api/v1/me/mfa", {"password": TEST_PASSWORD},
                                 format="json", **bearer(physio))
    assert response.status_code == 403
    assert mfa.mfa_enabled(physio)


def test_the_admin_shows_no_authenticator_key_or_recovery_code(client) -> None:
    from django_otp.plugins.otp_static.models import StaticDevice

    physio = PhysiotherapistFactory()
    device = mfa.mfa_start(user=physio)
    _, codes = mfa.mfa_confirm(user=physio, token=code(device))
    client.force_login(AdminFactory())
    totp_page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert totp_page.status_code == 200
    assert device.key.encode() not in totp_page.content
    assert mfa.secret_of(device).encode() not in totp_page.content
    static = StaticDevice.objects.get(user=physio)
    static_page = client.get(f"/admin/otp_static/staticdevice/{static.pk}/change/")
    assert static_page.status_code == 200
    assert not any(c.encode() in static_page.content for c in codes)
