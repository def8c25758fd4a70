"""The Django admin: what an admin sees and what is logged (issue 18 rows 5 and 6)."""

from __future__ import annotations

import pytest
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from tests.factories import TEST_PASSWORD, AdminFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory())
    return client


def test_an_outstanding_refresh_token_is_neither_shown_nor_stored(admin_client,
                                                                   api_client) -> None:
    """Row 6: the token change page showed a working refresh token."""
    user = UserFactory()
    refresh = api_client.post("/api/v1/auth/token", {"email": user.email,
                                                     "password": TEST_PASSWORD},
                              format="json").json()["refresh"]
    outstanding = OutstandingToken.objects.get(user=user)
    assert outstanding.token == ""
    page = admin_client.get(
        f"/admin/token_blacklist/outstandingtoken/{outstanding.pk}/change/")
    assert page.status_code == 200
    assert refresh.encode() not in page.content
    assert refresh.split(".")[2].encode() not in page.content
    assert outstanding.jti.encode() in page.content
    # Rotation, reuse detection and logout still work on the jti alone.
    rotated = api_client.post("/api/v1/auth/token/refresh", {"refresh": refresh},
                              format="json")
    assert rotated.status_code == 200
    assert api_client.post("/api/v1/auth/token/refresh", {"refresh": refresh},
                           format="json").status_code == 401
