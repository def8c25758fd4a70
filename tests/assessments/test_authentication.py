"""Sign-in, token rotation and reuse, logout, lockout, registration (RELIABILITY C1-C5)."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from freezegun import freeze_time
from rest_framework.test import APIClient

from assessments.models import Consent, User
from tests.factories import TEST_PASSWORD, PatientFactory, UserFactory

TOKEN_URL = "/api/v1/auth/token"
REFRESH_URL = "/api/v1/auth/token/refresh"


def sign_in(client: APIClient, email: str, password: str = TEST_PASSWORD, ip: str = "10.0.0.1"):
    return client.post(TOKEN_URL, {"email": email, "password": password}, format="json",
                       REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_it_signs_in_and_uses_the_access_token(api_client) -> None:
    user = UserFactory()
    tokens = sign_in(api_client, user.email.upper()).json()
    assert set(tokens) == {"access", "refresh"}
    me = api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert me.status_code == 200
    assert me.json()["email"] == user.email


@pytest.mark.django_db
def test_it_gives_the_same_answer_for_unknown_user_and_wrong_password(api_client) -> None:
    user = UserFactory()
    wrong = sign_in(api_client, user.email, "not the password")
    unknown = sign_in(api_client, "nobody@example.org", "not the password")
    inactive = UserFactory(is_active=False)
    deactivated = sign_in(api_client, inactive.email)
    assert wrong.status_code == unknown.status_code == deactivated.status_code == 401
    assert wrong.json() == unknown.json() == deactivated.json()


@pytest.mark.django_db
def test_access_tokens_are_short_lived() -> None:
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] <= timedelta(minutes=15)
    assert settings.SIMPLE_JWT["ROTATE_REFRESH_TOKENS"]


@pytest.mark.django_db
def test_refresh_rotates_and_a_spent_token_revokes_the_family(api_client) -> None:
    user = UserFactory()
    first = sign_in(api_client, user.email).json()["refresh"]
    rotated = api_client.post(REFRESH_URL, {"refresh": first}, format="json")
    assert rotated.status_code == 200
    second = rotated.json()["refresh"]
    assert second != first
    # Reusing the spent token fails and also ends the session it was rotated into.
    reuse = api_client.post(REFRESH_URL, {"refresh": first}, format="json")
    assert reuse.status_code == 401
    assert api_client.post(REFRESH_URL, {"refresh": second}, format="json").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_refresh_token_is_redeemed_at_most_once_under_concurrency() -> None:
    user = UserFactory()
    refresh = sign_in(APIClient(), user.email).json()["refresh"]
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def redeem() -> None:
        client = APIClient()
        barrier.wait()
        statuses.append(client.post(REFRESH_URL, {"refresh": refresh}, format="json").status_code)
        connection.close()

    threads = [threading.Thread(target=redeem) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses).count(200) == 1, statuses
    assert all(status in (200, 401) for status in statuses)


@pytest.mark.django_db
def test_logout_blacklists_the_refresh_token(api_client) -> None:
    user = UserFactory()
    tokens = sign_in(api_client, user.email).json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
    assert api_client.post("/api/v1/auth/logout", {"refresh": tokens["refresh"]},
                           format="json", **auth).status_code == 204
    assert api_client.post(REFRESH_URL, {"refresh": tokens["refresh"]},
                           format="json").status_code == 401


@pytest.mark.django_db
def test_logout_refuses_someone_elses_refresh_token(api_client) -> None:
    mine, theirs = UserFactory(), UserFactory()
    my_access = sign_in(api_client, mine.email).json()["access"]
    their_refresh = sign_in(api_client, theirs.email).json()["refresh"]
    response = api_client.post("/api/v1/auth/logout", {"refresh": their_refresh}, format="json",
                               HTTP_AUTHORIZATION=f"Bearer {my_access}")
    assert response.status_code == 400
    assert api_client.post(REFRESH_URL, {"refresh": their_refresh},
                           format="json").status_code == 200


@pytest.mark.django_db
def test_deactivation_and_password_change_end_access(api_client) -> None:
    user = UserFactory()
    tokens = sign_in(api_client, user.email).json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
    user.set_password("a brand new long passphrase")
    user.save()
    assert api_client.get("/api/v1/me", **auth).status_code == 401
    other = UserFactory()
    tokens = sign_in(api_client, other.email).json()
    other.is_active = False
    other.save()
    assert api_client.get("/api/v1/me",
                          HTTP_AUTHORIZATION=f"Bearer {tokens['access']}").status_code == 401
    assert api_client.post(REFRESH_URL, {"refresh": tokens["refresh"]},
                           format="json").status_code == 401


@pytest.mark.django_db
def test_a_password_change_ends_the_refresh_token_too(api_client) -> None:
    """Issue 18 row 1: after an admin resets a password, a stolen refresh token is dead."""
    user = UserFactory()
    stolen = sign_in(api_client, user.email).json()["refresh"]
    kept = sign_in(api_client, user.email, ip="10.0.0.9").json()["refresh"]
    user.set_password("a brand new long passphrase")
    user.save()
    refused = api_client.post(REFRESH_URL, {"refresh": stolen}, format="json")
    assert refused.status_code == 401
    assert "access" not in refused.json()
    # Every other session of the user ended with it.
    assert api_client.post(REFRESH_URL, {"refresh": kept}, format="json").status_code == 401
    fresh = sign_in(api_client, user.email, "a brand new long passphrase").json()["refresh"]
    assert api_client.post(REFRESH_URL, {"refresh": fresh}, format="json").status_code == 200


@pytest.mark.django_db
def test_it_locks_out_after_repeated_failures_and_unlocks_after_the_cool_off(api_client) -> None:
    user = UserFactory()
    with freeze_time("2026-11-24 10:00:00"):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(api_client, user.email, "wrong password")
        locked = sign_in(api_client, user.email)  # the right password is refused now
        assert locked.status_code == 429
        assert locked.json()["error"]["code"] == "locked_out"
        # Another address is not locked by this pair's failures.
        assert sign_in(api_client, user.email, ip="10.0.0.2").status_code == 200
    with freeze_time("2026-11-24 10:00:00") as clock:
        clock.tick(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
        assert sign_in(api_client, user.email).status_code == 200


@pytest.mark.django_db
def test_an_admin_can_reset_a_lockout(api_client) -> None:
    from axes.utils import reset

    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(api_client, user.email, "wrong password")
    assert sign_in(api_client, user.email).status_code == 429
    reset(username=user.email)
    assert sign_in(api_client, user.email).status_code == 200


@pytest.mark.django_db
def test_web_login_is_locked_out_too(client) -> None:
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": user.email, "password": "nope"})
    response = client.post("/accounts/login/", {"username": user.email,
                                                "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content


@pytest.mark.django_db
def test_web_session_login_works(client) -> None:
    user = UserFactory(role=User.Role.ADMIN)
    response = client.post("/accounts/login/", {"username": user.email,
                                                "password": TEST_PASSWORD})
    assert response.status_code == 302
    # The password alone does not open the admin: the second factor comes next.
    assert client.get("/admin/")["Location"].startswith("/accounts/mfa/setup/")


def test_passwords_are_hashed_with_argon2() -> None:
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
@pytest.mark.parametrize(("password", "ok"), [
    ("short1", False),
    ("password1234", False),  # on the common-password list
    ("123456789012345", False),  # numeric only
    ("a quiet river at dusk", True),
    ("x" * 30 + " long passphrase " + "y" * 60, True),  # over 100 characters works
    ("aaaaaaaaaaaa", False),  # issue 18 row 11: repeated or sequential
    ("abababababab", False),
    ("abcdefghijklmn", False),
    ("98765432109876", False),
])
def test_password_policy(password: str, ok: bool) -> None:
    try:
        validate_password(password)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted is ok


REGISTRATION = {
    "password": "a quiet river at dusk",
    "first_name": "Rosa",
    "year_of_birth": 1980,
    "sex": "female",
    "height_cm": 168,
    "consent_to_care": True,
    "consent_to_training": True,
}


@pytest.mark.django_db
def test_registration_activation_and_sign_in(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post("/api/v1/auth/register",
                                   {**REGISTRATION, "email": "Rosa@Example.org"}, format="json")
    assert response.status_code == 202
    user = User.objects.get(email="rosa@example.org")
    assert not user.is_active
    assert set(Consent.objects.filter(patient__user=user).values_list("purpose", flat=True)) \
        == {"care", "model_training"}
    assert sign_in(api_client, user.email, REGISTRATION["password"]).status_code == 401
    link = re.search(r"/accounts/activate/([^/]+)/([^/]+)/", mail.outbox[0].body)
    assert link is not None
    activated = api_client.post("/api/v1/auth/activate",
                                {"uid": link.group(1), "token": link.group(2)}, format="json")
    assert activated.status_code == 200
    assert sign_in(api_client, user.email, REGISTRATION["password"]).status_code == 200


@pytest.mark.django_db
def test_registration_does_not_reveal_existing_accounts(
    api_client, django_capture_on_commit_callbacks
) -> None:
    existing = PatientFactory().user
    with django_capture_on_commit_callbacks(execute=True):
        fresh = api_client.post("/api/v1/auth/register",
                                {**REGISTRATION, "email": "new.person@example.org"},
                                format="json")
        taken = api_client.post("/api/v1/auth/register",
                                {**REGISTRATION, "email": existing.email}, format="json")
    assert fresh.status_code == taken.status_code == 202
    assert fresh.json() == taken.json()
    assert User.objects.filter(email=existing.email).count() == 1
    assert [m.to for m in mail.outbox] == [["new.person@example.org"], [existing.email]]


@pytest.mark.django_db
def test_registration_needs_care_consent_and_a_good_password(api_client) -> None:
    no_consent = api_client.post("/api/v1/auth/register", {
        **REGISTRATION, "email": "a@example.org", "consent_to_care": False}, format="json")
    assert no_consent.status_code == 400
    assert no_consent.json()["error"]["code"] == "consent_required"
    weak = api_client.post("/api/v1/auth/register", {
        **REGISTRATION, "email": "b@example.org", "password": "password"}, format="json")
    assert weak.status_code == 400
    assert not User.objects.filter(email__in=["a@example.org", "b@example.org"]).exists()


@pytest.mark.django_db
def test_a_bad_activation_link_is_refused(api_client) -> None:
    response = api_client.post("/api/v1/auth/activate", {"uid": "abc", "token": "def"},
                               format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_link"


def activation_link_from(outbox) -> dict[str, str]:
    link = re.search(r"/accounts/activate/([^/]+)/([^/]+)/", outbox[-1].body)
    assert link is not None
    return {"uid": link.group(1), "token": link.group(2)}


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["erasure", "deactivation"])
def test_an_activation_link_cannot_undo_a_lock(api_client, django_capture_on_commit_callbacks,
                                              how) -> None:
    """Issue 18 row 7: the link that activated an account never activates it again."""
    from assessments.erasure import erasure_request
    from tests.factories import AdminFactory

    with django_capture_on_commit_callbacks(execute=True):
        api_client.post("/api/v1/auth/register", {**REGISTRATION, "email": "lee@example.org"},
                        format="json")
    link = activation_link_from(mail.outbox)
    assert api_client.post("/api/v1/auth/activate", link, format="json").status_code == 200
    # Clicking the same link again while the account is active is harmless.
    assert api_client.post("/api/v1/auth/activate", link, format="json").status_code == 200
    user = User.objects.get(email="lee@example.org")
    assert user.activated_at is not None
    if how == "erasure":
        erasure_request(patient=user.patient, requested_by=AdminFactory())
    else:
        user.is_active = False
        user.save()
    replay = api_client.post("/api/v1/auth/activate", link, format="json")
    assert replay.status_code == 400
    assert replay.json()["error"]["code"] == "invalid_link"
    web = api_client.post(f"/accounts/activate/{link['uid']}/{link['token']}/")
    assert b"invalid" in web.content.lower()
    user.refresh_from_db()
    assert not user.is_active
    assert sign_in(api_client, user.email, REGISTRATION["password"]).status_code == 401


@pytest.mark.django_db
def test_spaces_in_a_password_count_on_the_api_and_the_web_alike(
    api_client, client, django_capture_on_commit_callbacks
) -> None:
    """Issue 18 row 11: the API trimmed the password, the web form did not."""
    password = "  a quiet river at dusk  "
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post("/api/v1/auth/register",
                        {**REGISTRATION, "email": "sol@example.org", "password": password},
                        format="json")
    api_client.post("/api/v1/auth/activate", activation_link_from(mail.outbox), format="json")
    assert sign_in(api_client, "sol@example.org", password).status_code == 200
    assert sign_in(api_client, "sol@example.org", password.strip()).status_code == 401
    assert client.post("/accounts/login/", {"username": "sol@example.org",
                                            "password": password}).status_code == 302


@pytest.mark.django_db
def test_a_forgotten_password_is_reset_by_e_mail(api_client, client,
                                                 django_capture_on_commit_callbacks) -> None:
    """Issue 18 row 11: there was no self-service reset."""
    user = PatientFactory().user
    stolen = sign_in(api_client, user.email).json()["refresh"]
    with django_capture_on_commit_callbacks(execute=True):
        asked = api_client.post("/api/v1/auth/password-reset", {"email": user.email.upper()},
                                format="json")
        unknown = api_client.post("/api/v1/auth/password-reset",
                                  {"email": "nobody@example.org"}, format="json")
    assert asked.status_code == unknown.status_code == 202
    assert asked.json() == unknown.json()
    assert [m.to for m in mail.outbox] == [[user.email]]
    link = re.search(r"/accounts/reset/[^/]+/[^/]+/", mail.outbox[0].body).group(0)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    assert b"new_password1" in form.content
    new = "a different quiet river"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new,
                                                    "new_password2": new})
    assert done.status_code == 302
    assert sign_in(api_client, user.email, new).status_code == 200
    assert api_client.post(REFRESH_URL, {"refresh": stolen}, format="json").status_code == 401
    assert client.get(link, follow=True).context["validlink"] is False  # used up


@pytest.mark.django_db
def test_password_reset_requests_are_limited(api_client, client,
                                             django_capture_on_commit_callbacks) -> None:
    inactive = UserFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [api_client.post("/api/v1/auth/password-reset", {"email": inactive.email},
                                    format="json").status_code for _ in range(6)]
        pages = [client.post("/accounts/password-reset/", {"email": inactive.email}).status_code
                 for _ in range(6)]
    assert statuses == [202] * 5 + [429]
    assert pages == [200] * 5 + [429]
    assert mail.outbox == []  # an account that is not active gets no link
    active = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):  # three clients ask for one address
            api_client.post("/api/v1/auth/password-reset", {"email": active.email},
                            format="json", REMOTE_ADDR=f"10.1.1.{n}")
    assert [m.to for m in mail.outbox] == [[active.email]]  # one link, not three
