"""Small site-wide middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


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
