"""Writing the access log: one row per patient whose data a request read or tried to."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from assessments.models import AccessEvent
from backtracker_site.client_ip import client_ip

MIN_RETENTION_DAYS = 365  # the floor the PostgreSQL purge function enforces too (0017)


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


def access_log_purge(*, retention_days: int | None = None) -> int:
    """Remove entries older than the retention period (ACCESS_LOG_RETENTION_DAYS); the
    only sanctioned way entries leave, and itself logged (one ``system`` entry with the
    count). On PostgreSQL a SECURITY DEFINER function does it (migration 0017), so the
    application's role needs no DELETE right on the log."""
    days = settings.ACCESS_LOG_RETENTION_DAYS if retention_days is None else retention_days
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT assessments_accessevent_purge(%s)", [days])
            return cursor.fetchone()[0]
        # SQLite (embedded default): no roles; the same rule in the application.
        if days < MIN_RETENTION_DAYS:
            raise ValueError(f"the access log is kept at least {MIN_RETENTION_DAYS} days")
        cutoff = timezone.now() - timedelta(days=days)
        cursor.execute("DELETE FROM assessments_accessevent WHERE at < %s", [cutoff])
        removed = cursor.rowcount
    AccessEvent.objects.create(role="system", object_type="accessevent",
                               object_id=str(removed), path="access_log_purge",
                               action=f"purge entries before {cutoff:%Y-%m-%d}",
                               outcome=AccessEvent.Outcome.ALLOWED)
    return removed
