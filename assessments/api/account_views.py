"""Signing in and out, registration and the current user (phone app and web)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from assessments import mfa, services
from assessments.api import serializers as s
from assessments.auth import LOCKOUT_MESSAGE, LogoutSerializer, lockout_retry_after
from assessments.models import User
from backtracker_site.api.errors import ApiError, error_body
from backtracker_site.api.throttling import ScopedRateThrottle


class TokenObtainApi(TokenObtainPairView):
    """Sign in with e-mail and password; returns a short access and a refresh token."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    def post(self, request: Request, *args, **kwargs) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            # django-axes flags the request when this (e-mail, IP) pair is locked out.
            if getattr(request, "axes_locked_out", False):
                return Response(error_body("locked_out", LOCKOUT_MESSAGE), status=429,
                                headers={"Retry-After": lockout_retry_after(request)})
            raise


class TokenRefreshApi(TokenRefreshView):
    """Exchange a refresh token (usable once) for a new access and refresh token."""


class LogoutApi(APIView):
    @extend_schema(request=LogoutSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        """End this session: the refresh token can no longer be used."""
        data = LogoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token = RefreshToken(data.validated_data["refresh"])
        except TokenError:
            return Response(status=status.HTTP_204_NO_CONTENT)  # already unusable
        if str(token.payload.get("user_id")) != str(request.user.pk):
            raise ApiError(code="invalid_token", message="This token is not yours.")
        token.blacklist()
        return Response(status=status.HTTP_204_NO_CONTENT)


class RegisterApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "registration"

    @extend_schema(request=s.RegistrationSerializer, responses={202: s.DetailSerializer})
    def post(self, request: Request) -> Response:
        """Create a patient account; an activation link is e-mailed.

        The answer is the same whether or not the address is already registered.
        """
        data = s.RegistrationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.patient_register(base_url=request.build_absolute_uri("/"), **data.validated_data)
        return Response(
            {"detail": "Check your e-mail for a link to activate your account."},
            status=status.HTTP_202_ACCEPTED,
        )


class PasswordResetApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "password_reset"

    @extend_schema(request=s.PasswordResetRequestSerializer, responses={202: s.DetailSerializer})
    def post(self, request: Request) -> Response:
        """E-mail a link to choose a new password; the same answer for any address."""
        data = s.PasswordResetRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_request(email=data.validated_data["email"],
                                        base_url=request.build_absolute_uri("/"))
        return Response({"detail": "If this address has an account, a link to choose a new "
                                   "password is on its way."}, status=status.HTTP_202_ACCEPTED)


class ActivateApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(request=s.ActivationSerializer, responses={200: s.DetailSerializer})
    def post(self, request: Request) -> Response:
        """Activate an account with the uid and token from the e-mailed link."""
        data = s.ActivationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not services.user_activate(uidb64=data.validated_data["uid"],
                                      token=data.validated_data["token"]):
            raise ApiError(code="invalid_link",
                           message="This activation link is invalid or has expired.")
        return Response({"detail": "Your account is active; you can sign in now."})


class MfaApi(APIView):
    """Two-factor sign-in for the signed-in user (patients opt in; staff must have it)."""

    @extend_schema(request=None, responses={201: s.MfaStartSerializer})
    def post(self, request: Request) -> Response:
        """Start setting up an authenticator app; confirm with a code to switch it on."""
        device = mfa.mfa_start(user=request.user)
        return Response({"secret": mfa.secret_of(device), "otpauth_uri": device.config_url},
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=s.MfaDisableSerializer, responses={204: None})
    def delete(self, request: Request) -> Response:
        """Switch two-factor sign-in off (patients only), with the account's password."""
        if mfa.mfa_required(request.user):
            raise ApiError(code="mfa_required", status_code=403,
                           message="Two-factor sign-in is required for staff accounts.")
        data = s.MfaDisableSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not request.user.check_password(data.validated_data["password"]):
            raise ApiError(code="wrong_password", status_code=400,
                           message="The password is not right.")
        mfa.mfa_disable(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MfaConfirmApi(APIView):
    @extend_schema(request=s.MfaCodeSerializer, responses={200: s.MfaRecoveryCodesSerializer})
    def post(self, request: Request) -> Response:
        """Switch two-factor sign-in on with the app's current code; returns recovery codes."""
        data = s.MfaCodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _, codes = mfa.mfa_confirm(user=request.user, token=data.validated_data["otp"])
        return Response({"recovery_codes": codes})


class MeApi(generics.RetrieveUpdateAPIView):
    serializer_class = s.MeSerializer
    http_method_names = ["get", "patch"]

    def get_object(self) -> User:
        return self.request.user
