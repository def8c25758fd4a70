"""Celery tasks of the classifier: thin wrappers that take IDs only."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task(name="classifier.tasks.classify_assessment", queue="video", acks_late=True,
             reject_on_worker_lost=True, soft_time_limit=settings.VIDEO_TASK_SOFT_TIME_LIMIT,
             time_limit=settings.VIDEO_TASK_TIME_LIMIT)
def classify_assessment(assessment_id: str) -> None:
    from classifier.serving import assessment_classify

    assessment_classify(assessment_id=assessment_id)


@shared_task(name="classifier.tasks.run_training", queue="training", acks_late=True,
             reject_on_worker_lost=True, soft_time_limit=settings.TRAINING_TASK_SOFT_TIME_LIMIT,
             time_limit=settings.TRAINING_TASK_TIME_LIMIT)
def run_training(run_id: str) -> None:
    from classifier.training import training_run_execute

    training_run_execute(run_id=run_id)
