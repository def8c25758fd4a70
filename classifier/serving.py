"""Classifying an assessment with the active model (onnxruntime, one session per version)."""

from __future__ import annotations

import logging
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from assessments.models import Assessment
from assessments.results import review_after_classification
from backtracker_site.jobs import job_claim, job_fail, job_finish
from classifier.dataset import patient_inputs, prom_totals
from classifier.models import ModelVersion
from classifier.registry import model_version_active
from mlpipeline.selectors import feature_set_of_version

logger = logging.getLogger(__name__)

NO_MODEL_MESSAGE = ("No classification model is active yet, so the movement pattern cannot "
                    "be classified automatically; your physiotherapist will review your "
                    "recordings.")


def local_model_file(version: ModelVersion) -> Path:
    """The version's ONNX file in this worker's cache (downloaded once, checked by hash)."""
    folder = Path(settings.VAR_DIR) / "models"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{version.onnx_sha256}.onnx"
    if not path.exists():
        partial = path.with_suffix(".partial")
        with default_storage.open(version.onnx_key, "rb") as source:
            partial.write_bytes(source.read())
        partial.replace(path)
    return path


def classifier_for(version: ModelVersion):
    from classifier.ml.inference import OnnxClassifier

    return OnnxClassifier(local_model_file(version), sha256=version.onnx_sha256)


def predict_for(assessment: Assessment, version: ModelVersion):
    """The prediction and the object key of every mask that was used."""
    from classifier.ml.preprocess import motion_vector, prom_vector

    features = {task: feature_set_of_version(getattr(assessment, task), version.pipeline_version)
                for task in ("forward", "backward")}
    inputs = patient_inputs(assessment.patient, version.task, features)
    if inputs is None:
        return None, []
    proms = prom_totals(assessment.patient) if assessment.use_proms else {}
    prediction = classifier_for(version).predict(
        inputs.masks, inputs.thetas, motion=motion_vector(inputs.motion),
        proms=prom_vector(proms), curvature=inputs.curvature)
    return prediction, inputs


def pipeline_version_refusal(assessment: Assessment, version: ModelVersion) -> str | None:
    """Why `version` must not classify this assessment's recordings, or None.

    A model reads only features made by the pipeline version its training masks came from
    (ModelVersion.pipeline_version); masks of another pipeline (another pose model, rate,
    mask size or crop) would be scored as if they were the same thing."""
    tasks = ["forward", "backward"] if version.task == "both" else [version.task]
    found = []
    for task in tasks:
        recording = getattr(assessment, task)
        if recording is None or feature_set_of_version(recording, version.pipeline_version):
            continue
        found += [f.pipeline_version for f in recording.feature_sets.all()]
    if not found:
        return None
    have = ", ".join(sorted(set(found)))
    return (f"The recordings were analysed by video pipeline version {have}, "
            f"but model v{version.number} was trained on masks of pipeline version "
            f"{version.pipeline_version or 'unknown'}, so it cannot classify them; your "
            f"physiotherapist will review your recordings. (Staff: re-analyse the recordings "
            f"with that pipeline, or train and promote a model on the current one.)")


def assessment_classify(*, assessment_id: UUID | str) -> None:
    """Run the active model on an assessment; a no-op unless claimed here."""
    from exercises.services import programme_create_for_result

    if not job_claim(Assessment, assessment_id):
        return
    assessment = Assessment.objects.select_related("forward", "backward", "patient").get(
        pk=assessment_id)
    version = model_version_active()
    if version is None:
        job_fail(Assessment, assessment_id, code="no_model", message=NO_MODEL_MESSAGE)
        return
    refusal = pipeline_version_refusal(assessment, version)
    if refusal:
        job_fail(Assessment, assessment_id, code="pipeline_version_mismatch", message=refusal)
        return
    prediction, inputs = predict_for(assessment, version)
    if prediction is None:
        job_fail(Assessment, assessment_id, code="missing_recording",
                 message=f"This model needs the {version.task} recording(s).")
        return
    phenotype = prediction.phenotype
    confidence = max(prediction.probability_fp, 1 - prediction.probability_fp)
    scores = [{"key": inputs.keys[index], "theta": inputs.thetas[index], "score": score}
              for index, score in zip(prediction.mask_indices, prediction.per_mask_scores,
                                      strict=False)]
    with transaction.atomic():
        job_finish(Assessment, assessment_id, phenotype=phenotype, probability=confidence,
                   model_version=version, mask_scores=scores,
                   review=review_after_classification(confidence))
        programme_create_for_result(patient=assessment.patient, phenotype=phenotype,
                                    probability=confidence, assessment=assessment)
    logger.info("assessment %s: %s (%.2f) with model v%d", assessment_id, phenotype,
                confidence, version.number)
