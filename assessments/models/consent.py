"""Consent per purpose, versioned, and the patient's data rights: export and erasure."""

from __future__ import annotations

import hashlib
import uuid

from django.db import models
from django.db.models import Q

from assessments.models.accounts import Patient, User
from backtracker_site.models import QueuedJob


class ConsentPurpose(models.TextChoices):
    CARE = "care", "Assessment and care"
    MODEL_TRAINING = "model_training", "Use of my data to train models"


class ConsentDocument(models.Model):
    """One published version of the text a patient agrees to for one purpose."""

    purpose = models.CharField(max_length=20, choices=ConsentPurpose.choices)
    version = models.CharField(max_length=20)
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64, editable=False)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["purpose", "-published_at"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="unique_consent_version"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} v{self.version}"

    def save(self, *args, **kwargs):
        self.text_sha256 = hashlib.sha256(self.text.encode()).hexdigest()
        super().save(*args, **kwargs)


class Consent(models.Model):
    """A patient's agreement to one document; withdrawal ends it but keeps the record."""

    class Channel(models.TextChoices):
        APP = "app", "Phone app"
        WEB = "web", "Web"
        PAPER = "paper", "Paper, entered by staff"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=20, choices=ConsentPurpose.choices)
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.APP)
    granted_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_active_consent_per_purpose",
            ),
        ]

    def __str__(self) -> str:
        state = "active" if self.is_active else "withdrawn"
        return f"{self.get_purpose_display()} ({state})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class DataExport(QueuedJob):
    """A machine-readable copy of everything stored about one patient (GDPR Art. 15/20)."""

    task_name = "assessments.tasks.build_data_export"
    queue = "default"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    file_key = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-queued_at"]

    def __str__(self) -> str:
        return f"Export {self.id} ({self.status})"


class Erasure(QueuedJob):
    """A request to erase everything stored about one patient (GDPR Art. 17).

    It names the patient by ID only, because the patient row goes with the erasure;
    the counts say what was removed. The e-mail address is kept only until the
    confirmation is sent.
    """

    task_name = "assessments.tasks.erase_patient"
    queue = "default"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient_ref = models.UUIDField(db_index=True)
    requested_by_role = models.CharField(max_length=20)
    notify_email = models.EmailField(blank=True)
    rows_removed = models.PositiveIntegerField(default=0)
    objects_removed = models.PositiveIntegerField(default=0)
    uploads_aborted = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-queued_at"]

    def __str__(self) -> str:
        return f"Erasure of {self.patient_ref} ({self.status})"
