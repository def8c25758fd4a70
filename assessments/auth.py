"""JWT details for the phone app and the lockout answer.

simplejwt's own refresh rotation is not atomic: two concurrent refreshes of one token
both succeed (RELIABILITY 1.10). Here a refresh token is claimed by inserting its
blacklist row, which the database's unique constraint lets only one request do; a
second use of a spent token is treated as theft and ends every session of that user.
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken, TokenBackendError, TokenError
from rest_framework_simplejwt.serializers import (
    PasswordField,
    TokenObtainPairSerializer,
    TokenObtainSerializer,
)
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from backtracker_site.api.errors import error_body

LOCKOUT_MESSAGE = "Too many failed sign-in attempts. Wait 15 minutes, then try again."


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Activation links cover the account's active state: a link works while the account
    waits for activation, and never again once it was activated, whether the account is
    still active, deactivated or locked for erasure. For an account still waiting the
    hash is Django's default, so links sent before this change keep working."""

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        value = super()._make_hash_value(user, timestamp)
        if user.is_active:
            value += "active"
        if getattr(user, "activated_at", None) is not None:
            value += user.activated_at.replace(microsecond=0, tzinfo=None).isoformat()
        return value


activation_token_generator = ActivationTokenGenerator()


class EmailTokenObtainPairSerializer(TokenObtainPairSerializer):
    """Sign in with e-mail and password; the same answer for unknown user or wrong password."""

    default_error_messages = {
        "no_active_account": "E-mail address or password is not correct.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # No address is longer (RFC 5321); a longer one would not fit the lockout table.
        self.fields[self.username_field] = serializers.CharField(write_only=True,
                                                                 max_length=254)
        # Spaces in a password count, as in the web sign-in form (issue 18 row 11).
        self.fields["password"] = PasswordField(trim_whitespace=False, max_length=128)
        self.fields["otp"] = serializers.CharField(
            write_only=True, required=False, max_length=64,
            help_text="The authenticator app's code or a recovery code: needed for staff "
                      "and for patients who switched two-factor sign-in on.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        attrs[self.username_field] = attrs[self.username_field].strip().lower()
        TokenObtainSerializer.validate(self, attrs)  # the password (and lockout) only
        self.check_second_factor(attrs.get("otp", ""))
        # Then as TokenObtainPairSerializer: no token exists before both factors passed.
        refresh = self.get_token(self.user)
        if api_settings.UPDATE_LAST_LOGIN:
            update_last_login(None, self.user)
        return {"refresh": str(refresh), "access": str(refresh.access_token)}

    def check_second_factor(self, otp: str) -> None:
        """Staff always, patients once they opted in: the password alone is not enough."""
        from assessments import mfa

        if not (mfa.mfa_required(self.user) or mfa.mfa_enabled(self.user)):
            return
        if not mfa.mfa_enabled(self.user):
            raise AuthenticationFailed(
                "Set up two-factor sign-in on the website first (/accounts/mfa/setup/).",
                code="mfa_setup_required")
        if not otp:
            raise AuthenticationFailed("Enter the code from your authenticator app.",
                                       code="otp_required")
        if mfa.mfa_verify(user=self.user, token=otp) is None:
            raise AuthenticationFailed("That code is not right; wait for the next one.",
                                       code="otp_invalid")


def revoke_all_refresh_tokens(user_id: Any) -> int:
    """Blacklist every outstanding refresh token of a user (logout everywhere)."""
    revoked = 0
    for token in OutstandingToken.objects.filter(user_id=user_id, blacklistedtoken__isnull=True):
        _, created = BlacklistedToken.objects.get_or_create(token=token)
        revoked += created
    return revoked


def redact_stored_token(sender: Any, instance: OutstandingToken, **kwargs: Any) -> None:
    """Keep no working refresh token in the database (issue 18 row 6): rotation, reuse
    detection and logout need only the jti, user and expiry."""
    instance.token = ""


def password_claim_matches(payload: dict[str, Any], user: Any) -> bool:
    """True unless the token was issued before the user's last password change."""
    if not api_settings.CHECK_REVOKE_TOKEN:
        return True
    claim = payload.get(api_settings.REVOKE_TOKEN_CLAIM)
    return claim is not None and claim == get_md5_hash_password(user.password)


def claim_refresh_token(jti: str) -> OutstandingToken:
    """Spend a refresh token exactly once, also under concurrency."""
    outstanding = OutstandingToken.objects.select_related("user").filter(jti=jti).first()
    if outstanding is None:
        raise InvalidToken("Token is invalid")
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:
        # Already spent: either a retry of a lost response or a stolen copy. Either
        # way the safe answer is to end the whole token family.
        revoke_all_refresh_tokens(outstanding.user_id)
        raise InvalidToken("Token has already been used") from None
    return outstanding


class SingleUseTokenRefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()
    access = serializers.CharField(read_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        try:
            payload = token_backend.decode(attrs["refresh"], verify=True)
        except (TokenError, TokenBackendError) as exc:
            raise InvalidToken(str(exc)) from exc
        if payload.get(api_settings.TOKEN_TYPE_CLAIM) != "refresh" or "jti" not in payload:
            raise InvalidToken("Token has wrong type")
        outstanding = claim_refresh_token(payload[api_settings.JTI_CLAIM])
        user = get_user_model().objects.filter(pk=outstanding.user_id).first()
        if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
            raise InvalidToken("No active account found for the given token.")
        if not password_claim_matches(payload, user):
            # The password changed since this token was issued (a reset after a theft):
            # the token family ends here, as for access tokens (CHECK_REVOKE_TOKEN).
            revoke_all_refresh_tokens(user.pk)
            raise InvalidToken("The password has changed since this token was issued.")
        refresh = RefreshToken.for_user(user)
        return {"access": str(refresh.access_token), "refresh": str(refresh)}


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """django-axes' answer once a (user name, IP) pair is locked out."""
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body("locked_out", LOCKOUT_MESSAGE), status=429)
    else:
        response = render(request, "registration/locked_out.html",
                          {"message": LOCKOUT_MESSAGE}, status=429)
    response["Retry-After"] = lockout_retry_after(request)
    return response


def lockout_retry_after(request: HttpRequest | None) -> str:
    """Seconds until a locked (name, address) pair may try again: the whole cool-off,
    an upper bound (issue 18 row 12)."""
    cool_off = get_cool_off(request)
    return str(int(cool_off.total_seconds())) if cool_off else "900"


def axes_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The signed-in name for lockout counting: the API sends ``email``, the web form
    ``username``; both are the e-mail address."""
    credentials = credentials or {}
    name = credentials.get("email") or credentials.get("username")
    if name is None and request is not None and hasattr(request, "POST"):
        name = request.POST.get("username") or request.POST.get("email")
    # Cut to the longest possible address: axes keeps it in a 255-character column.
    return name.strip().lower()[:254] if isinstance(name, str) else None
