"""Celery tasks on the `video` queue: thin wrappers that take IDs only."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from backtracker_site.jobs import TransientStorageError


@shared_task(
    name="mlpipeline.tasks.analyse_recording",
    queue="video",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TransientStorageError,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=settings.VIDEO_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.VIDEO_TASK_TIME_LIMIT,
)
def analyse_recording(recording_id: str) -> None:
    from mlpipeline.services import recording_analyse

    recording_analyse(recording_id=recording_id)
