"""Lockout and throttles count the address the documented proxy set-up yields (issue 18
rows 2 and 4): behind TRUSTED_PROXY_COUNT proxies, the N-th X-Forwarded-For entry from the
right; never an entry the client wrote itself."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.test import RequestFactory
from rest_framework.throttling import ScopedRateThrottle

from assessments.models import AccessEvent
from backtracker_site.client_ip import client_ip
from tests.factories import TEST_PASSWORD, PatientFactory, UserFactory, bearer

TOKEN_URL = "/api/v1/auth/token"
PROXY = "10.0.0.1"  # the TLS proxy's own address: REMOTE_ADDR of every request


def via_proxy(client_address: str, spoofed: str = "") -> dict[str, str]:
    """What one nginx (``$proxy_add_x_forwarded_for``) passes on for a client."""
    forwarded = f"{spoofed}, {client_address}" if spoofed else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


@pytest.fixture
def one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.mark.parametrize(("proxies", "meta", "expected"), [
    (0, {"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}, "203.0.113.7"),
    (1, via_proxy("203.0.113.7"), "203.0.113.7"),
    (1, via_proxy("203.0.113.7", spoofed="198.51.100.1"), "203.0.113.7"),
    (1, via_proxy("203.0.113.7", spoofed="1.1.1.1, 2.2.2.2"), "203.0.113.7"),
    (1, {"REMOTE_ADDR": PROXY}, PROXY),  # not through the proxy: the socket address
    (1, via_proxy("not-an-address"), PROXY),
    (1, via_proxy("[2001:db8::5]:443"), "2001:db8::5"),
    (2, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7, 10.0.0.2"},
     "203.0.113.7"),
])
def test_client_ip_takes_the_entry_the_proxies_wrote(settings, proxies, meta, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(RequestFactory().get("/", **meta)) == expected


@pytest.mark.django_db
def test_nobody_can_lock_another_address_out_behind_the_proxy(api_client, one_proxy) -> None:
    """Row 2: five failures from one client lock that client, not everyone behind the proxy."""
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_client.post(TOKEN_URL, {"email": user.email, "password": "wrong"}, format="json",
                        **via_proxy("198.51.100.66"))
    locked = api_client.post(TOKEN_URL, {"email": user.email, "password": TEST_PASSWORD},
                             format="json", **via_proxy("198.51.100.66", spoofed="192.0.2.1"))
    assert locked.status_code == 429  # writing another address in the header does not help
    owner = api_client.post(TOKEN_URL, {"email": user.email, "password": TEST_PASSWORD},
                            format="json", **via_proxy("203.0.113.7"))
    assert owner.status_code == 200


@pytest.mark.django_db
def test_a_client_cannot_spoof_its_way_into_the_lockout_of_another(api_client,
                                                                   one_proxy) -> None:
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_client.post(TOKEN_URL, {"email": user.email, "password": "wrong"}, format="json",
                        **via_proxy("198.51.100.66", spoofed="203.0.113.7"))
    owner = api_client.post(TOKEN_URL, {"email": user.email, "password": TEST_PASSWORD},
                            format="json", **via_proxy("203.0.113.7"))
    assert owner.status_code == 200


REGISTRATION = {"password": "a quiet river at dusk", "year_of_birth": 1980, "sex": "female",
                "height_cm": 168, "consent_to_care": True}


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [0, 1])
def test_anonymous_throttles_ignore_the_client_chosen_header(api_client, settings, monkeypatch,
                                                             django_capture_on_commit_callbacks,
                                                             proxies) -> None:
    """Row 4: a new X-Forwarded-For on each request does not reset the throttle."""
    settings.TRUSTED_PROXY_COUNT = proxies
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "registration": "3/hour", "login": "4/minute"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    existing = PatientFactory().user

    def headers(n: int) -> dict[str, str]:
        spoofed = f"198.51.100.{n}"
        if proxies:
            return via_proxy("203.0.113.7", spoofed=spoofed)
        return {"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": spoofed}

    with django_capture_on_commit_callbacks(execute=True):
        registered = [api_client.post("/api/v1/auth/register",
                                      {**REGISTRATION, "email": existing.email},
                                      format="json", **headers(n)).status_code
                      for n in range(6)]
    assert registered == [202] * 3 + [429] * 3
    assert len(mail.outbox) == 1  # one notice an hour for the address
    signed_in = [api_client.post(TOKEN_URL, {"email": f"nobody{n}@example.org",
                                             "password": "wrong"},
                                 format="json", **headers(n)).status_code for n in range(6)]
    assert signed_in == [401] * 4 + [429] * 2
    # Another client behind the same proxy is counted apart.
    other = via_proxy("203.0.113.8") if proxies else {"REMOTE_ADDR": "203.0.113.8"}
    assert api_client.post(TOKEN_URL, {"email": existing.email, "password": TEST_PASSWORD},
                           format="json", **other).status_code == 200


@pytest.mark.django_db
def test_the_access_log_records_the_client_not_the_proxy(api_client, one_proxy) -> None:
    patient = PatientFactory()
    api_client.get("/api/v1/patients", **bearer(patient.physiotherapist),
                   **via_proxy("203.0.113.7", spoofed="192.0.2.1"))
    assert set(AccessEvent.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


@pytest.mark.django_db
def test_an_existing_address_gets_one_notice_an_hour(api_client, django_capture_on_commit_callbacks,
                                                     one_proxy) -> None:
    """Row 4: 25 registrations from as many clients sent 35 notices to the owner."""
    existing = PatientFactory().user
    with django_capture_on_commit_callbacks(execute=True):
        answers = [api_client.post("/api/v1/auth/register",
                                   {**REGISTRATION, "email": existing.email}, format="json",
                                   **via_proxy(f"203.0.113.{n}")).status_code
                   for n in range(5)]
    assert answers == [202] * 5
    assert [m.to for m in mail.outbox] == [[existing.email]]


@pytest.mark.django_db
def test_the_web_sign_in_is_locked_per_client_behind_the_proxy(client, one_proxy) -> None:
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": user.email, "password": "wrong"},
                    **via_proxy("198.51.100.66"))
    locked = client.post("/accounts/login/", {"username": user.email,
                                              "password": TEST_PASSWORD},
                         **via_proxy("198.51.100.66", spoofed="203.0.113.7"))
    assert locked.status_code == 429
    owner = client.post("/accounts/login/", {"username": user.email, "password": TEST_PASSWORD},
                        **via_proxy("203.0.113.7"))
    assert owner.status_code == 302
