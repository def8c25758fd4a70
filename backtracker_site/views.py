"""The few server-rendered pages of the site itself."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from assessments.services import user_activate


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@require_http_methods(["GET", "POST"])
def activate_account(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Activation link from the registration e-mail; activates on an explicit POST only,
    so that mail scanners that follow links do not use it up."""
    if request.method == "GET":
        return render(request, "registration/activate.html", {"done": False})
    ok = user_activate(uidb64=uidb64, token=token)
    return render(request, "registration/activate.html", {"done": True, "ok": ok},
                  status=200 if ok else 400)
