"""Bend recordings and the job that analyses each one."""

from __future__ import annotations

import uuid

from django.db import models

from assessments.models.accounts import Patient
from backtracker_site.models import QueuedJob


class Task(models.TextChoices):
    FORWARD = "forward", "Forward bend"
    BACKWARD = "backward", "Backward bend"


class Recording(QueuedJob):
    """One video of one bend, and the job that analyses it.

    The job status reads: PENDING (upload not finished), QUEUED (stored, waiting for a
    worker), RUNNING, DONE (analysed: see its FeatureSet, whose quality check may still
    ask for a new recording) or FAILED (the file is not a usable video).
    """

    task_name = "mlpipeline.tasks.analyse_recording"
    queue = "video"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="recordings")
    task = models.CharField(max_length=10, choices=Task.choices)
    source_key = models.CharField(max_length=255, unique=True)  # server-made, never client text
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=40, default="video/mp4")
    upload_mode = models.CharField(max_length=10, blank=True)  # post, multipart, chunked
    upload_id = models.CharField(max_length=255, blank=True)  # S3 multipart upload ID
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.get_task_display()} of {self.patient} ({self.status})"


class RecordingRequest(models.Model):
    """A physiotherapist asks the patient to record a task again."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE,
                                related_name="recording_requests")
    task = models.CharField(max_length=10, choices=Task.choices)
    message = models.CharField(max_length=500)
    requested_by = models.ForeignKey("assessments.User", on_delete=models.SET_NULL, null=True,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Re-record {self.task} for {self.patient}"
