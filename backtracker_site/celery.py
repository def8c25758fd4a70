"""The Celery application (Celery docs' Django recipe).

Settings come from Django settings under the ``CELERY_`` prefix. Tasks carry IDs only
and record their progress in the database, so no result backend is used.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backtracker_site.settings")
# MediaPipe's C++ logging would print several lines per analysed frame; keep warnings+.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

app = Celery("backtracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def reconcile_when_worker_starts(**_: object) -> None:
    """Re-enqueue work a dead worker left behind as soon as a new one is up."""
    from backtracker_site.jobs import reconcile_queued_work

    reconcile_queued_work()
