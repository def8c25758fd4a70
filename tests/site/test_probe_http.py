"""The outside probe of issue 18, replayed over real HTTP against gunicorn in production
mode behind the documented proxy set-up (one TLS proxy, TRUSTED_PROXY_COUNT=1)."""

from __future__ import annotations

import pytest
import redis
import requests

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services, pytest.mark.slow]
CACHE_URL = "redis://127.0.0.1:6379/13"


def through_proxy(client: str, spoofed: str = "") -> dict[str, str]:
    """The headers one nginx adds: the client's own X-Forwarded-For, then its address."""
    return {"X-Forwarded-For": f"{spoofed}, {client}" if spoofed else client,
            "X-Forwarded-Proto": "https"}


def test_the_probe_findings_stay_fixed_in_production(start_server) -> None:
    redis.Redis.from_url(CACHE_URL).flushdb()
    server, _ = start_server({"TRUSTED_PROXY_COUNT": "1", "DJANGO_BEHIND_TLS_PROXY": "1",
                              "REDIS_CACHE_URL": CACHE_URL, "THROTTLE_LOGIN": "8/minute",
                              "THROTTLE_REGISTRATION": "3/hour"})
    api = f"{server.url}/api/v1"
    victim = UserFactory()

    # Row 2: five failures from one client lock that client only.
    for _ in range(5):
        requests.post(f"{api}/auth/token", json={"email": victim.email, "password": "wrong"},
                      headers=through_proxy("198.51.100.66"), timeout=30)
    locked = requests.post(f"{api}/auth/token",
                           json={"email": victim.email, "password": TEST_PASSWORD},
                           headers=through_proxy("198.51.100.66", spoofed="203.0.113.7"),
                           timeout=30)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0  # row 12
    owner = requests.post(f"{api}/auth/token",
                          json={"email": victim.email, "password": TEST_PASSWORD},
                          headers=through_proxy("203.0.113.7"), timeout=30)
    assert owner.status_code == 200
    refresh = owner.json()["refresh"]

    # Row 4: a new spoofed address on each request does not reset the throttles.
    logins = [requests.post(f"{api}/auth/token", json={"email": f"x{n}@example.org",
                                                       "password": "wrong"},
                            headers=through_proxy("192.0.2.50", spoofed=f"10.9.9.{n}"),
                            timeout=30).status_code for n in range(10)]
    assert 429 in logins
    registrations = [requests.post(f"{api}/auth/register", json={
        "email": victim.email, "password": "a quiet river at dusk", "consent_to_care": True},
        headers=through_proxy("192.0.2.51", spoofed=f"10.8.8.{n}"), timeout=30).status_code
        for n in range(5)]
    assert registrations[-1] == 429

    # Row 1: after a password reset by an admin, the old refresh token is dead.
    victim.set_password("a completely new passphrase")
    victim.save()
    assert requests.post(f"{api}/auth/token/refresh", json={"refresh": refresh},
                         headers=through_proxy("203.0.113.7"), timeout=30).status_code == 401

    # Rows 8, 9, 10, 12: hostile bodies, headers, the schema.
    nested = requests.post(f"{api}/auth/token", data="[" * 50_000,
                           headers={**through_proxy("192.0.2.60"),
                                    "Content-Type": "application/json"}, timeout=30)
    assert nested.status_code == 400
    assert nested.json()["error"]["code"] == "parse_error"
    big = requests.post(f"{api}/auth/register", data=b"{" + b" " * 3_000_000 + b"}",
                        headers={**through_proxy("192.0.2.61"),
                                 "Content-Type": "application/json"}, timeout=30)
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "too_large"
    host = requests.get(f"{api}/health", headers={**through_proxy("192.0.2.62"),
                                                  "Host": "evil.example"}, timeout=30)
    assert host.status_code == 400
    assert host.json()["error"]["code"] == "bad_request"
    schema = requests.get(f"{server.url}/api/schema/", headers=through_proxy("192.0.2.63"),
                          timeout=30)
    assert schema.status_code == 401
    assert b"/erasures" not in schema.content
    health = requests.get(f"{api}/health", headers=through_proxy("192.0.2.64"), timeout=30)
    assert "script-src 'self'" in health.headers["Content-Security-Policy"]
    assert "camera=()" in health.headers["Permissions-Policy"]
