"""Throttles keyed on the authenticated user, or on the address ``client_ip`` yields."""

from __future__ import annotations

from rest_framework import throttling

from backtracker_site.client_ip import client_ip


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """DRF's scoped throttle, but an anonymous client cannot choose the address it is
    counted under (DRF alone reads the client-chosen X-Forwarded-For when NUM_PROXIES
    is unset)."""

    def get_ident(self, request) -> str:
        return client_ip(request) or "unknown"
