"""The few server-rendered pages of the site itself."""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
import segno
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments import mfa
from assessments.services import password_reset_request, user_activate
from backtracker_site.api.errors import ApiError
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


def safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the code, type one code, keep the recovery codes."""
    if mfa.mfa_enabled(request.user):
        return HttpResponseRedirect("/accounts/mfa/verify/?"
                                    + urlencode({"next": safe_next(request)}))
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first() \
        or mfa.mfa_start(user=request.user)
    error = ""
    if request.method == "POST":
        try:
            device, codes = mfa.mfa_confirm(user=request.user,
                                            token=request.POST.get("otp", "")[:64])
        except ApiError as exc:
            error = str(exc.detail)
        else:
            django_otp.login(request, device)
            return render(request, "registration/mfa_recovery_codes.html",
                          {"codes": codes, "next": safe_next(request)})
    return render(request, "registration/mfa_setup.html", {
        "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=4),
        "secret": mfa.secret_of(device), "error": error, "next": safe_next(request)},
        status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """Confirm this session with a code from the app or a recovery code."""
    if not mfa.mfa_enabled(request.user):
        return HttpResponseRedirect("/accounts/mfa/setup/?"
                                    + urlencode({"next": safe_next(request)}))
    error = ""
    if request.method == "POST":
        device = mfa.mfa_verify(user=request.user, token=request.POST.get("otp", ""))
        if device is not None:
            django_otp.login(request, device)
            return HttpResponseRedirect(safe_next(request))
        error = "That code is not right; wait for the next one and try again."
    return render(request, "registration/mfa_verify.html",
                  {"error": error, "next": safe_next(request)}, status=400 if error else 200)
