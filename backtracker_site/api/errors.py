"""One error format for the whole API.

Every error body is ``{"error": {"code": ..., "message": ..., "details": ...}}``:
``code`` is stable and machine-readable, ``message`` is plain language that tells the
user what to do, ``details`` (optional) carries per-field validation errors.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApiError(exceptions.APIException):
    """An error raised by a service with its own code, message and HTTP status."""

    def __init__(self, *, code: str, message: str, status_code: int = 400) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's handler500 answers, without details
    if isinstance(exc, ApiError):
        response.data = error_body(exc.error_code, str(exc.detail))
    elif isinstance(exc, exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body(
            "invalid", "Some fields are missing or invalid; see details.", details
        )
    else:
        detail = getattr(exc, "detail", str(exc))
        if isinstance(detail, dict):  # simplejwt nests its message and code
            code, detail = detail.get("code", "error"), detail.get("detail", "")
        else:
            code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = error_body(str(code), str(detail))
    return response


def json_not_found(request: HttpRequest, exception: Exception | None = None):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "Not found."), status=status.HTTP_404_NOT_FOUND)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def json_bad_request(request: HttpRequest, exception: Exception | None = None):
    """400 for what Django refuses before any view: a Host not in ALLOWED_HOSTS, a body
    over DATA_UPLOAD_MAX_MEMORY_SIZE (then 413), too many fields (issue 18 row 12)."""
    if isinstance(exception, RequestDataTooBig):
        body = error_body("too_large", "The request body is too large.")
        if request.path.startswith("/api/"):
            return JsonResponse(body, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        return HttpResponse("The request body is too large.", content_type="text/plain",
                            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("bad_request", "The request was not understood."),
                            status=status.HTTP_400_BAD_REQUEST)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def json_server_error(request: HttpRequest):
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("server_error", "Something went wrong on our side; please try again."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    from django.views.defaults import server_error

    return server_error(request)
