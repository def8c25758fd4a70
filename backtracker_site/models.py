"""The shape shared by every piece of background work that the database tracks."""

from __future__ import annotations

from django.db import models


class JobStatus(models.TextChoices):
    PENDING = "pending", "Waiting for input"  # e.g. an upload not finished; never sent
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class QueuedJob(models.Model):
    """A unit of background work whose state lives in the database, not in the broker.

    The broker only carries the row's ID. Workers claim a row with a conditional
    UPDATE (QUEUED -> RUNNING), so a task delivered twice runs once; the reconciler
    (backtracker_site.jobs) sends again whatever stays QUEUED or RUNNING too long, so
    a broker outage or a killed worker loses nothing. Concrete models set ``task_name``
    and ``queue``.
    """

    task_name: str = ""
    queue: str = "default"
    # Extra field values written whenever the job ends (DONE or FAILED).
    end_fields: dict[str, object] = {}

    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=200, blank=True)  # "host:pid" of the runner
    stage = models.CharField(max_length=64, blank=True)
    percent = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        abstract = True
