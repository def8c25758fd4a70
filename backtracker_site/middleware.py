"""Small site-wide middleware."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

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
