"""Writing the access log: one row per patient whose data a request read or tried to."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.http import HttpRequest

from assessments.models import AccessEvent
from backtracker_site.client_ip import client_ip


def access_event(request: HttpRequest, *, patient_id: UUID | str | None, action: str,
                 allowed: bool, object_type: str = "", object_id: object = "") -> AccessEvent:
    user = request.user if request.user.is_authenticated else None
    return AccessEvent(
        actor=user, role=getattr(user, "role", "anonymous"), patient_id=patient_id,
        object_type=object_type, object_id=str(object_id or "")[:64], action=action[:60],
        path=request.path[:300], request_id=getattr(request, "request_id", ""),
        outcome=AccessEvent.Outcome.ALLOWED if allowed else AccessEvent.Outcome.DENIED,
        ip_address=client_ip(request),
    )


def log_access(request: HttpRequest, *, patient_id: UUID | str | None, action: str,
               allowed: bool, object_type: str = "", object_id: object = "") -> None:
    access_event(request, patient_id=patient_id, action=action, allowed=allowed,
                 object_type=object_type, object_id=object_id).save()


def log_access_many(request: HttpRequest, *, patient_ids: Iterable[UUID], action: str,
                    object_type: str) -> None:
    """A list read: one allowed entry for each distinct patient on the page."""
    events = [access_event(request, patient_id=pid, action=action, allowed=True,
                           object_type=object_type)
              for pid in dict.fromkeys(patient_ids)]
    AccessEvent.objects.bulk_create(events)
