"""Writing the access log."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest

from assessments.models import AccessEvent


def log_access(request: HttpRequest, *, patient_id: UUID | str | None, action: str,
               allowed: bool) -> None:
    user = request.user if request.user.is_authenticated else None
    AccessEvent.objects.create(
        actor=user, role=getattr(user, "role", "anonymous"), patient_id=patient_id,
        action=action, path=request.path[:300],
        outcome=AccessEvent.Outcome.ALLOWED if allowed else AccessEvent.Outcome.DENIED,
        ip_address=request.META.get("REMOTE_ADDR") or None,
    )
