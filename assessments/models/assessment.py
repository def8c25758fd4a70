"""An assessment: a forward and a backward recording (and questionnaires) -> a result."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from assessments.models.accounts import Patient, User
from assessments.models.clinical import Phenotype
from assessments.models.recordings import Recording
from backtracker_site.models import QueuedJob


class ClinicSettings(models.Model):
    """How this clinic releases results (one row, edited in the admin)."""

    results_need_review = models.BooleanField(
        default=True, help_text="Patients see a result only after their physiotherapist "
                                "confirmed or overrode it.")
    confidence_threshold = models.FloatField(
        default=0.7, validators=[MinValueValidator(0.5), MaxValueValidator(1.0)],
        help_text="Results less confident than this always wait for review.")

    class Meta:
        verbose_name_plural = "clinic settings"

    def __str__(self) -> str:
        return "Clinic settings"

    @classmethod
    def current(cls) -> ClinicSettings:
        return cls.objects.order_by("pk").first() or cls.objects.create()


class Assessment(QueuedJob):
    """Status reads: PENDING (waiting for both recordings to be analysed, or for a
    re-recording the quality check asked for), QUEUED/RUNNING (classifying), DONE, FAILED.
    """

    task_name = "classifier.tasks.classify_assessment"
    queue = "video"

    class Review(models.TextChoices):
        NOT_REQUIRED = "not_required", "Released without review"
        AWAITING = "awaiting", "Waiting for the physiotherapist"
        CONFIRMED = "confirmed", "Confirmed by the physiotherapist"
        OVERRIDDEN = "overridden", "Changed by the physiotherapist"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="assessments")
    forward = models.ForeignKey(Recording, on_delete=models.RESTRICT, null=True, blank=True,
                                related_name="+")
    backward = models.ForeignKey(Recording, on_delete=models.RESTRICT, null=True, blank=True,
                                 related_name="+")
    use_proms = models.BooleanField(default=True)
    # What the patient must do before classification can run: [{"task", "code", "message"}]
    needs = models.JSONField(default=list, blank=True)
    phenotype = models.CharField(max_length=2, choices=Phenotype.choices, blank=True)
    probability = models.FloatField(null=True, blank=True)  # of the phenotype shown
    model_version = models.ForeignKey("classifier.ModelVersion", on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="assessments")
    mask_scores = models.JSONField(default=list, blank=True)
    review = models.CharField(max_length=20, choices=Review.choices, blank=True)
    reviewed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Assessment of {self.patient} ({self.status})"

    @property
    def released(self) -> bool:
        """May the patient see the result?"""
        return self.status == "done" and self.review in (
            self.Review.NOT_REQUIRED, self.Review.CONFIRMED, self.Review.OVERRIDDEN)
