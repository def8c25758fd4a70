"""Celery tasks of the assessments app: thin wrappers over services, IDs only."""

from __future__ import annotations

from celery import shared_task

from backtracker_site.jobs import TransientStorageError


@shared_task(name="assessments.tasks.build_data_export", queue="default",
             acks_late=True, reject_on_worker_lost=True)
def build_data_export(export_id: str) -> None:
    from assessments.services import data_export_build

    data_export_build(export_id=export_id)


@shared_task(name="assessments.tasks.abort_stale_uploads", queue="default")
def abort_stale_uploads() -> None:
    from assessments.uploads import abort_stale_uploads as abort

    abort()


@shared_task(name="assessments.tasks.erase_patient", queue="default", acks_late=True,
             reject_on_worker_lost=True, autoretry_for=(TransientStorageError,),
             retry_backoff=5, retry_backoff_max=300, retry_jitter=True, max_retries=8)
def erase_patient(erasure_id: str) -> None:
    from assessments.erasure import erasure_execute

    erasure_execute(erasure_id=erasure_id)


@shared_task(name="assessments.tasks.sweep_erased_prefixes", queue="default")
def sweep_erased_prefixes() -> None:
    from assessments.erasure import erasures_sweep_recent

    erasures_sweep_recent()


@shared_task(name="assessments.tasks.purge_access_log", queue="default")
def purge_access_log() -> None:
    from assessments.audit import access_log_purge

    access_log_purge()
