"""Who looked at which patient's data, including refused attempts (ASVS 16.2.1).

The log is append-only: rows are never updated or deleted by the application, and on
PostgreSQL a trigger refuses UPDATE and DELETE outright (migration 0011). SQLite rebuilds
a table to alter it, which drops the trigger: a migration that changes this model must
install it again there (as 0014 does). It keeps IDs,
not names, so it outlives an erased patient without holding their personal data.
"""

from __future__ import annotations

from django.db import models

from assessments.models.accounts import User


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an access log entry."""


class AccessEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The access log is append-only.")

    def delete(self):
        raise AppendOnlyError("The access log is append-only.")


class AccessEvent(models.Model):
    class Outcome(models.TextChoices):
        ALLOWED = "allowed", "Allowed"
        DENIED = "denied", "Denied or not found"

    # No database constraint and no cascade: deleting a user must not touch the log.
    actor = models.ForeignKey(User, on_delete=models.DO_NOTHING, db_constraint=False,
                              null=True, related_name="+")
    role = models.CharField(max_length=20)
    # The ID as requested: also for refused attempts at patients who are not the actor's.
    patient_id = models.UUIDField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=60)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    path = models.CharField(max_length=300)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.role} {self.action} {self.object_type} {self.patient_id} {self.outcome}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The access log is append-only.")
