"""The client's address, as the documented proxy configuration yields it.

Behind ``TRUSTED_PROXY_COUNT`` reverse proxies that each append the address they received
the request from to ``X-Forwarded-For`` (nginx ``$proxy_add_x_forwarded_for``, HAProxy
``option forwardfor``, AWS ALB), the client is the N-th entry from the right: everything to
its left was written by the client and is never trusted. With no proxy configured the
header is ignored and the socket address is the client. Lockout (django-axes), the
anonymous throttles and the access log all use this one function, so a client cannot pick
the address it is counted under (issue 18 rows 2 and 4).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def valid_ip(text: str) -> str | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51000"
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    remote = valid_ip(request.META.get("REMOTE_ADDR", "") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if hop.strip()]
    if len(hops) < proxies:
        return remote  # the request did not come through the proxies (a misconfiguration)
    return valid_ip(hops[-proxies]) or remote
