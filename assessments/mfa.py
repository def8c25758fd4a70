"""Two-factor sign-in: TOTP (an authenticator app) with one-time recovery codes.

Physiotherapists and admins must have it, and the dashboard, the admin and session use of
the API ask for a verified code once per session; patients may opt in, and then the app's
sign-in asks for a code too. Built on django-otp: a ``TOTPDevice`` (throttled, each code
usable once) and a ``StaticDevice`` holding the recovery codes (each consumed on use).
"""

from __future__ import annotations

import base64

from django.db import transaction
from django_otp import devices_for_user, match_token, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments.models import User
from backtracker_site.api.errors import ApiError

RECOVERY_CODES = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


def mfa_required(user: User) -> bool:
    """Staff must use two-factor sign-in (issue 18)."""
    return user.is_authenticated and user.role in (User.Role.PHYSIOTHERAPIST, User.Role.ADMIN)


def mfa_enabled(user: User) -> bool:
    return user.is_authenticated and user_has_device(user, confirmed=True)


def secret_of(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it when typed in (base32)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@transaction.atomic
def mfa_start(*, user: User) -> TOTPDevice:
    """A fresh, unconfirmed authenticator for the user (replacing any unconfirmed one)."""
    if mfa_enabled(user):
        raise ApiError(code="mfa_enabled", status_code=409,
                       message="Two-factor sign-in is already on for this account.")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


@transaction.atomic
def mfa_confirm(*, user: User, token: str) -> tuple[TOTPDevice, list[str]]:
    """Switch two-factor on once the app shows a correct code; returns the recovery codes,
    shown this once only."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise ApiError(code="mfa_not_started", status_code=409,
                       message="Start setting up two-factor sign-in first.")
    if not device.verify_token(str(token).strip()):
        raise ApiError(code="otp_invalid",
                       message="That code is not right; enter the code the app shows now.")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, recovery_codes_renew(user=user)


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """New one-time recovery codes; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def mfa_verify(*, user: User, token: str) -> Device | None:
    """The device that accepts this code (authenticator or a recovery code), or None.

    Every device throttles failures (django-otp doubles the wait after each one)."""
    token = "".join(str(token).split())
    if not token or len(token) > 64:
        return None
    return match_token(user, token)


@transaction.atomic
def mfa_disable(*, user: User) -> None:
    """Patients may switch two-factor off again; staff cannot (an admin resets it)."""
    if mfa_required(user):
        raise ApiError(code="mfa_required", status_code=403,
                       message="Two-factor sign-in is required for staff accounts.")
    for device in devices_for_user(user, confirmed=None):
        device.delete()
