"""Enqueueing, claiming and reconciling database-tracked background jobs.

Flow: a service creates a QueuedJob row and calls ``enqueue_on_commit``; the task calls
``job_claim`` and does nothing unless the claim succeeds; it ends with ``job_finish`` or
``job_fail``. ``reconcile_queued_work`` runs at worker start and periodically.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from backtracker_site.models import JobStatus, QueuedJob

logger = logging.getLogger(__name__)


class TransientStorageError(Exception):
    """Object storage could not be reached; the job goes back to the queue for a retry."""


def job_models() -> list[type[QueuedJob]]:
    """Every concrete model that inherits QueuedJob."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, QueuedJob) and not model._meta.abstract
    ]


def hard_time_limit(queue: str) -> int:
    return {
        "video": settings.VIDEO_TASK_TIME_LIMIT,
        "training": settings.TRAINING_TASK_TIME_LIMIT,
    }.get(queue, settings.CELERY_TASK_TIME_LIMIT)


def send_job(model: type[QueuedJob], job_id: UUID | int) -> bool:
    """Publish the job's task; on a broker failure log it and leave it to the reconciler."""
    from backtracker_site.celery import app

    try:
        app.send_task(model.task_name, args=[str(job_id)], queue=model.queue)
    except Exception:  # the broker is down or hangs: the row stays QUEUED
        logger.warning("could not publish %s %s; the reconciler will retry", model.task_name,
                       job_id, exc_info=True)
        return False
    return True


def enqueue_on_commit(job: QueuedJob) -> None:
    """Publish the job once the surrounding transaction commits (never for a rollback)."""
    model, job_id = type(job), job.pk
    transaction.on_commit(lambda: send_job(model, job_id))


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def process_is_gone(claimed_by: str) -> bool:
    """True when `claimed_by` names a process on this host that no longer runs."""
    host, _, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine: only the reconciler's timeout can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def job_claim(model: type[QueuedJob], job_id: UUID | str) -> bool:
    """Move the job QUEUED -> RUNNING; True only for the one caller that did it.

    A redelivered message whose previous runner died on this host (a killed pool child)
    takes the job over at once. A job that used all its attempts is not claimed (the
    reconciler fails it), so a task that kills its worker every time cannot loop for ever.
    """
    me = this_process()
    fields = {"status": JobStatus.RUNNING, "started_at": timezone.now(),
              "attempts": F("attempts") + 1, "stage": "started", "percent": 0,
              "claimed_by": me}
    below_limit = {"pk": job_id, "attempts__lt": settings.MAX_JOB_ATTEMPTS}
    if model.objects.filter(status=JobStatus.QUEUED, **below_limit).update(**fields) == 1:
        return True
    holder = model.objects.filter(pk=job_id, status=JobStatus.RUNNING).values_list(
        "claimed_by", flat=True).first()
    if holder and holder != me and process_is_gone(holder):
        logger.warning("taking over %s %s from dead process %s", model._meta.label, job_id,
                       holder)
        taken = model.objects.filter(status=JobStatus.RUNNING, claimed_by=holder,
                                     **below_limit).update(**fields)
        return taken == 1
    return False


def job_progress(model: type[QueuedJob], job_id: UUID | str, *, stage: str, percent: int) -> None:
    model.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        stage=stage, percent=max(0, min(100, percent))
    )


def job_release(model: type[QueuedJob], job_id: UUID | str) -> None:
    """Give a RUNNING job back to the queue after a transient failure, for a retry."""
    model.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        status=JobStatus.QUEUED, queued_at=timezone.now(), stage="waiting to retry"
    )


def job_finish(model: type[QueuedJob], job_id: UUID | str, **fields: object) -> None:
    """Mark a RUNNING job done, storing its result fields in the same UPDATE."""
    model.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        status=JobStatus.DONE, stage="done", percent=100, finished_at=timezone.now(),
        **model.end_fields, **fields,
    )


def job_fail(model: type[QueuedJob], job_id: UUID | str, *, code: str, message: str) -> None:
    model.objects.filter(pk=job_id).exclude(status=JobStatus.DONE).update(
        status=JobStatus.FAILED, error_code=code, error_message=message,
        finished_at=timezone.now(), **model.end_fields,
    )


def reconcile_queued_work() -> dict[str, int]:
    """Send again jobs left QUEUED too long; re-queue or fail jobs whose worker died.

    Returns the number of jobs re-sent per model label (for logs and tests).
    """
    now = timezone.now()
    resent: dict[str, int] = {}
    for model in job_models():
        queued_before = now - timedelta(seconds=settings.RECONCILE_AFTER_SECONDS)
        running_before = now - timedelta(seconds=hard_time_limit(model.queue) + 60)
        stale_running = model.objects.filter(
            status=JobStatus.RUNNING, started_at__lt=running_before
        )
        stale_running.filter(attempts__gte=settings.MAX_JOB_ATTEMPTS).update(
            status=JobStatus.FAILED, error_code="worker_lost",
            error_message="Processing stopped repeatedly; please try again later.",
            finished_at=now, **model.end_fields,
        )
        stale_running.update(status=JobStatus.QUEUED, queued_at=queued_before, stage="requeued")
        model.objects.filter(
            status=JobStatus.QUEUED, attempts__gte=settings.MAX_JOB_ATTEMPTS
        ).update(
            status=JobStatus.FAILED, error_code="gave_up", finished_at=now,
            error_message="Processing failed repeatedly; please try again later.",
            **model.end_fields,
        )

        stale = model.objects.filter(
            Q(status=JobStatus.QUEUED) & Q(queued_at__lte=queued_before)
        ).values_list("pk", flat=True)
        count = 0
        for job_id in list(stale):
            # Touch queued_at first so two reconcilers do not both send it.
            touched = model.objects.filter(
                pk=job_id, status=JobStatus.QUEUED, queued_at__lte=queued_before
            ).update(queued_at=now)
            if touched and send_job(model, job_id):
                count += 1
        if count:
            logger.info("reconciler re-sent %d %s job(s)", count, model._meta.label)
        resent[model._meta.label] = count
    return resent
