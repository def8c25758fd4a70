"""The `make run` demonstration, after the Makefile generated and imported the synthetic
cohort as "demo": once the worker analysed it, a quick model is trained on it and
promoted, and every demo patient's assessment is classified.

Only for the embedded demo; a clinic imports its own cohort with import_cohort.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

from assessments.models import Assessment, Patient, Recording
from backtracker_site.models import JobStatus
from classifier.models import ModelVersion, TrainingRun

logger = logging.getLogger(__name__)

DEMO_MODEL = {"task": "backward", "masks": 40, "folds": 4, "profile": "quick",
              "streams": ["images"], "seed": 0, "promote": True}


def demo_patients():
    return Patient.objects.filter(external_ref__startswith="demo/")


def demo_step() -> str:
    """Move the demo one step on; returns what it is waiting for ("" when finished)."""
    from assessments.results import assessment_create
    from classifier.training import training_run_start

    busy = Recording.objects.filter(patient__in=demo_patients(), status__in=[
        JobStatus.PENDING, JobStatus.QUEUED, JobStatus.RUNNING]).exists()
    if busy:
        return "waiting for the worker to analyse the demo recordings"
    if not ModelVersion.objects.filter(is_active=True).exists():
        if not TrainingRun.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING,
                                                      JobStatus.DONE]).exists():
            training_run_start(options=DEMO_MODEL, user=None)
            return "training a quick model on the demo cohort"
        if TrainingRun.objects.filter(status=JobStatus.FAILED).exists() and \
                not TrainingRun.objects.exclude(status=JobStatus.FAILED).exists():
            return ""  # the failure is in the admin; do not retry for ever
        return "waiting for the training run"
    for patient in demo_patients().filter(assessments__isnull=True):
        forward = patient.recordings.filter(task="forward").order_by("-created_at").first()
        backward = patient.recordings.filter(task="backward").order_by("-created_at").first()
        assessment_create(patient=patient, forward_id=forward and forward.pk,
                          backward_id=backward and backward.pk)
    pending = Assessment.objects.filter(patient__in=demo_patients(), status__in=[
        JobStatus.QUEUED, JobStatus.RUNNING]).exists()
    return "waiting for the demo assessments" if pending else ""


def run_demo_in_background(stop: threading.Event, interval: float = 5.0) -> threading.Thread:
    def loop() -> None:
        last = None
        while not stop.is_set():
            close_old_connections()
            try:
                waiting = demo_step()
            except Exception:  # never take the web server down with the demo
                logger.exception("demo step failed")
                waiting = "retrying the demo step"
            if waiting != last:
                logger.warning("demo: %s", waiting or "ready: processed patients, an active "
                               "model and classified assessments")
                last = waiting
            if not waiting:
                return
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="demo", daemon=True)
    thread.start()
    return thread

