"""Site-wide periodic tasks."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="backtracker_site.tasks.reconcile_queued_work", queue="default")
def reconcile_queued_work() -> None:
    from backtracker_site.jobs import reconcile_queued_work as reconcile

    reconcile()
