"""What the video pipeline stored for a recording."""

from __future__ import annotations

from django.db import models

from assessments.models import Recording


class FeatureSet(models.Model):
    """features.json and back masks of one recording, for one pipeline version.

    The files live in object storage under a deterministic prefix; this row holds the
    summary the API and the dashboard need without opening them.
    """

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="feature_sets")
    pipeline_version = models.CharField(max_length=20)
    prefix = models.CharField(max_length=255)  # object-storage folder of the files
    fps = models.FloatField()
    frame_count = models.PositiveIntegerField()
    mask_count = models.PositiveIntegerField()
    qc_ok = models.BooleanField()
    qc_issues = models.JSONField(default=list)  # [{"code", "message"}]
    motion_features = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["recording", "pipeline_version"],
                                    name="one_feature_set_per_pipeline_version"),
        ]

    def __str__(self) -> str:
        return f"Features of {self.recording_id} (v{self.pipeline_version})"

    @property
    def features_key(self) -> str:
        return f"{self.prefix}features.json"
