"""Who looked at which patient's data, including refused attempts (ASVS 16.2.1)."""

from __future__ import annotations

from django.db import models

from assessments.models.accounts import User


class AccessEvent(models.Model):
    class Outcome(models.TextChoices):
        ALLOWED = "allowed", "Allowed"
        DENIED = "denied", "Denied or not found"

    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    role = models.CharField(max_length=20)
    # The ID as requested: also for refused attempts at patients who are not the actor's.
    patient_id = models.UUIDField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=60)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    path = models.CharField(max_length=300)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.role} {self.action} {self.patient_id} {self.outcome}"
