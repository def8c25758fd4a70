"""Small site-wide middleware."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)

from backtracker_site.api.errors import error_body


def no_store(get_response: Callable[[HttpRequest], HttpResponse]):
    """No cache may keep a page or API answer: they carry patient data (ASVS 14.3.2).

    Only static assets (CSS, scripts, fonts), which never hold patient data, may be cached.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store"
        return response

    return middleware


# A proxy's or app's own ID is kept when it looks like one; anything else is replaced.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def request_id(get_response: Callable[[HttpRequest], HttpResponse]):
    """Give each request an ID (``request.request_id``, ``X-Request-ID``) for the logs."""

    def middleware(request: HttpRequest) -> HttpResponse:
        supplied = request.headers.get("X-Request-ID", "")
        request.request_id = supplied if REQUEST_ID.fullmatch(supplied) else uuid.uuid4().hex
        response = get_response(request)
        response["X-Request-ID"] = request.request_id
        return response

    return middleware


def has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values)
               for key, values in query.lists())


def reject_nul(get_response: Callable[[HttpRequest], HttpResponse]):
    """A NUL character in a query string or form field is refused with 400: PostgreSQL
    text cannot hold one, so it would otherwise end as a DataError and a 500 (issue 18
    row 8). JSON bodies are checked by the serializers' fields."""

    def middleware(request: HttpRequest) -> HttpResponse:
        form = request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded", "multipart/form-data")
        if has_nul(request.GET) or (form and has_nul(request.POST)):
            message = "The request contains a NUL character."
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("invalid", message), status=400)
            return HttpResponseBadRequest(message)
        return get_response(request)

    return middleware


def content_security_policy() -> str:
    """Scripts and everything else from this site only; videos may come from the bucket
    (the dashboard redirects to a signed URL); inline styles stay allowed for the charts'
    SVG and the admin. No inline script runs, so markup that slipped into a page (such
    as an SVG inserted with |safe) cannot execute."""
    media = ["'self'"]
    if getattr(settings, "AWS_STORAGE_BUCKET_NAME", ""):
        endpoint = getattr(settings, "AWS_S3_ENDPOINT_URL", None)
        if endpoint:
            parts = urlsplit(endpoint)
            media.append(f"{parts.scheme}://{parts.netloc}")
        else:
            media.append("https://*.amazonaws.com")
    return "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:", f"media-src {' '.join(media)}", "object-src 'none'",
        "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
    ])


PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "camera", "microphone", "geolocation", "payment", "usb", "serial", "bluetooth",
    "accelerometer", "gyroscope", "magnetometer", "display-capture"))


def security_headers(get_response: Callable[[HttpRequest], HttpResponse]):
    """Content-Security-Policy and Permissions-Policy on every answer (issue 18 row 9)."""
    policy = content_security_policy()

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    return middleware


MFA_PROTECTED = ("/dashboard/", "/admin/", "/api/")


def staff_mfa(get_response: Callable[[HttpRequest], HttpResponse]):
    """Staff sessions reach the dashboard, the admin and the API only after a second
    factor (issue 18): without a confirmed authenticator they are sent to set one up,
    with one they are asked for a code. Bearer-token API calls are checked at sign-in."""
    from assessments.mfa import mfa_enabled, mfa_required

    def middleware(request: HttpRequest) -> HttpResponse:
        user = request.user
        if (request.path.startswith(MFA_PROTECTED) and "HTTP_AUTHORIZATION" not in request.META
                and user.is_authenticated and mfa_required(user) and not user.is_verified()):
            if request.path.startswith("/api/v1/"):
                return JsonResponse(error_body(
                    "mfa_required", "Confirm your sign-in with your authenticator code "
                    "first (/accounts/mfa/verify/)."), status=403)
            step = "verify" if mfa_enabled(user) else "setup"
            return HttpResponseRedirect(
                f"/accounts/mfa/{step}/?{urlencode({'next': request.get_full_path()})}")
        return get_response(request)

    return middleware
