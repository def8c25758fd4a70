"""The few server-rendered pages of the site itself."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from assessments.services import password_reset_request, user_activate
from backtracker_site.client_ip import client_ip

PASSWORD_RESETS_PER_HOUR = 5


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


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a link to choose a new password (issue 18 row 11); five a client an hour."""
    if request.method == "GET":
        return render(request, "registration/password_reset_form.html", {})
    key = f"password-reset:{client_ip(request)}"
    cache.add(key, 0, timeout=3600)
    if cache.incr(key) > PASSWORD_RESETS_PER_HOUR:
        return render(request, "registration/password_reset_form.html", {"limited": True},
                      status=429)
    email = request.POST.get("email", "")
    if 0 < len(email) <= 254 and "@" in email:
        password_reset_request(email=email, base_url=request.build_absolute_uri("/"))
    return render(request, "registration/password_reset_form.html", {"sent": True})
