"""The `make run` demonstration, after the Makefile generated and imported the synthetic
cohort as "demo": once the worker analysed it, the shipped demonstration model (trained on
another generated cohort, classifier/demo/, synthetic data, not for clinical use) is
registered and promoted, and every demo patient's assessment is classified. When the shipped
model was built by another pipeline version (serving would refuse it), a model is trained
on the demo cohort itself instead, and the log says how to rebuild the shipped one.

Only for the embedded demo; a clinic imports its own cohort with import_cohort.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, transaction

from assessments.models import Assessment, Patient, Recording
from backtracker_site.models import JobStatus
from classifier.models import ModelVersion, TrainingRun

logger = logging.getLogger(__name__)

FALLBACK_TRAINING = {"task": "backward", "masks": 40, "folds": 4, "seed": 0, "promote": True}


def demo_patients():
    return Patient.objects.filter(external_ref__startswith="demo/")


def promote_shipped_demo_model() -> bool:
    """Register and promote classifier/demo's model; False when there is none that this
    pipeline can serve (the reason is logged)."""
    from classifier.ml.demo_model import shipped_demo_model
    from classifier.registry import model_version_promote, model_version_register
    from mlpipeline.services import current_pipeline_version

    shipped = shipped_demo_model()
    if shipped is None:
        return False
    card = shipped.card
    if card["pipeline_version"] != current_pipeline_version():
        logger.warning("the shipped demo model was built from pipeline %s, this pipeline is %s; "
                       "training on the demo cohort instead (rebuild it with manage.py "
                       "build_demo_model)", card["pipeline_version"], current_pipeline_version())
        return False
    with transaction.atomic():
        version = model_version_register(
            onnx_bytes=shipped.onnx.read_bytes(), task=card["task"], config=card["train_config"],
            manifest={"source": "shipped demonstration model", "note": card["note"],
                      "cohort": card["cohort"]},
            report=card["cv"]["report"], cv_accuracy=card["cv"]["accuracy"],
            code_version="demo", pipeline_version=card["pipeline_version"])
        model_version_promote(version=version, user=None, reason=card["note"])
    return True


def demo_step() -> str:
    """Move the demo one step on; returns what it is waiting for ("" when finished)."""
    from assessments.results import assessment_create
    from classifier.training import training_run_start

    busy = Recording.objects.filter(patient__in=demo_patients(), status__in=[
        JobStatus.PENDING, JobStatus.QUEUED, JobStatus.RUNNING]).exists()
    if busy:
        return "waiting for the worker to analyse the demo recordings"
    if not ModelVersion.objects.filter(is_active=True).exists():
        if promote_shipped_demo_model():
            return "classifying the demo patients with the shipped demo model"
        if not TrainingRun.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING,
                                                      JobStatus.DONE]).exists():
            training_run_start(options=FALLBACK_TRAINING, user=None)
            return "training a model on the demo cohort"
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

