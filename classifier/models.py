"""Model registry and training runs."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from backtracker_site.models import QueuedJob


class ModelVersion(models.Model):
    """A trained classifier: its ONNX file, how it was made, and how well it did in CV."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.PositiveIntegerField(unique=True, editable=False)
    task = models.CharField(max_length=10)  # forward, backward or both
    onnx_key = models.CharField(max_length=255)
    onnx_sha256 = models.CharField(max_length=64)
    config = models.JSONField(default=dict)
    manifest = models.JSONField(default=dict)  # which patients (all consented to training)
    report = models.JSONField(default=dict)
    cv_accuracy = models.FloatField()
    code_version = models.CharField(max_length=64, blank=True)
    # mlpipeline identity.pipeline_version of every training mask; serving reads only
    # features of this version. Models from before it was recorded were trained on "1".
    pipeline_version = models.CharField(max_length=20)
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True),
                                    name="one_active_model_version"),
        ]

    def __str__(self) -> str:
        return f"v{self.number} ({self.task}, CV accuracy {self.cv_accuracy:.1%})"


class Promotion(models.Model):
    """Every change of the active model, so that a rollback knows where to go back to."""

    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="promotions")
    promoted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    forced = models.BooleanField(default=False)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.version} promoted {self.created_at:%Y-%m-%d %H:%M}"


class TrainingRun(QueuedJob):
    """One retraining: cross-validation report plus a final model, on the training queue."""

    task_name = "classifier.tasks.run_training"
    queue = "training"
    end_fields = {"slot": None}

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    config = models.JSONField(default=dict)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    # "training" while queued or running, NULL afterwards: the unique index makes
    # retraining single-flight even with several web processes (RELIABILITY G11).
    slot = models.CharField(max_length=10, null=True, blank=True, unique=True, editable=False)
    report = models.JSONField(default=dict, blank=True)
    roc_key = models.CharField(max_length=255, blank=True)
    model_version = models.ForeignKey(ModelVersion, on_delete=models.SET_NULL, null=True,
                                      blank=True, related_name="training_runs")

    class Meta:
        ordering = ["-queued_at"]

    def __str__(self) -> str:
        return f"Training run {self.id} ({self.status})"
