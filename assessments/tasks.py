"""Celery tasks of the assessments app: thin wrappers over services, IDs only."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="assessments.tasks.build_data_export", queue="default",
             acks_late=True, reject_on_worker_lost=True)
def build_data_export(export_id: str) -> None:
    from assessments.services import data_export_build

    data_export_build(export_id=export_id)


@shared_task(name="assessments.tasks.abort_stale_uploads", queue="default")
def abort_stale_uploads() -> None:
    from assessments.uploads import abort_stale_uploads as abort

    abort()
