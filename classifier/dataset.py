"""Participants for training and inputs for serving, read from the database and storage.

Only patients who consent to model training, with a clinician's label, are used for
training; the manifest records exactly who was in a model.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.files.storage import default_storage
from PIL import Image

from assessments.models import Patient, PhenotypeLabel, PromScore
from assessments.selectors import patients_consenting_to_training
from backtracker_site.models import JobStatus
from mlpipeline.models import FeatureSet

TASKS = ("forward", "backward", "both")


@dataclass
class RecordingInputs:
    masks: list[np.ndarray]
    thetas: list[float]
    keys: list[str]  # object key of each mask, for the dashboard's per-mask scores
    motion: dict[str, float | None]
    curvature: list[float]  # the curvature vector (NaN where missing); tasks concatenated


def read_png_mask(key: str) -> np.ndarray:
    with default_storage.open(key, "rb") as handle:
        return np.asarray(Image.open(io.BytesIO(handle.read())).convert("L")) > 127


def recording_inputs(features: FeatureSet) -> RecordingInputs:
    """Masks (with theta), motion features and curvature of one analysed recording."""
    from classifier.ml.preprocess import curvature_vector

    with default_storage.open(features.features_key, "rb") as handle:
        document = json.load(handle)
    entries = document.get("masks", [])
    keys = [features.prefix + entry["file"] for entry in entries]
    return RecordingInputs(masks=[read_png_mask(key) for key in keys],
                           thetas=[float(entry["theta"]) for entry in entries], keys=keys,
                           motion=dict(document.get("motion_features") or {}),
                           curvature=curvature_vector(document.get("curvature") or {}).tolist())


def latest_features(patient: Patient, task: str, pipeline_version: str) -> FeatureSet | None:
    """The quality-checked FeatureSet of `pipeline_version` of the patient's newest analysed
    recording of `task` that has one (never features of another pipeline version)."""
    return (FeatureSet.objects.filter(recording__patient=patient, recording__task=task,
                                      recording__status=JobStatus.DONE, qc_ok=True,
                                      pipeline_version=pipeline_version)
            .order_by("-recording__created_at", "-created_at").first())


def prom_totals(patient: Patient) -> dict[str, float]:
    latest: dict[str, float] = {}
    for score in PromScore.objects.filter(patient=patient).order_by("-recorded_at"):
        latest.setdefault(score.instrument, score.total)
    return latest


def combine(parts: list[RecordingInputs]) -> RecordingInputs:
    """Masks and curvature of several tasks together (task "both", forward first); motion
    features of the first."""
    return RecordingInputs(masks=[m for p in parts for m in p.masks],
                           thetas=[t for p in parts for t in p.thetas],
                           keys=[k for p in parts for k in p.keys], motion=parts[0].motion,
                           curvature=[c for p in parts for c in p.curvature])


def patient_inputs(patient: Patient, task: str,
                   features: dict[str, FeatureSet | None] | None = None,
                   pipeline_version: str | None = None) -> RecordingInputs | None:
    """What the model sees for one patient and task; None when a recording is missing.

    Without `features`, the newest FeatureSets of `pipeline_version` (default: the current
    pipeline's) are read."""
    from mlpipeline.services import current_pipeline_version

    tasks = ["forward", "backward"] if task == "both" else [task]
    version = pipeline_version or current_pipeline_version()
    chosen = features or {t: latest_features(patient, t, version) for t in tasks}
    if any(chosen.get(t) is None for t in tasks):
        return None
    return combine([recording_inputs(chosen[t]) for t in tasks])


def training_participants(task: str, pipeline_version: str | None = None,
                          ) -> tuple[list[Any], dict[str, Any]]:
    """(participants, manifest) for every consenting, labelled patient with recordings
    analysed by `pipeline_version` (default: the current pipeline's; the manifest says
    which, and the model is registered with it)."""
    from classifier.ml.data import LABELS, Participant
    from classifier.ml.preprocess import motion_vector, prom_vector
    from mlpipeline.services import current_pipeline_version

    version = pipeline_version or current_pipeline_version()
    participants, used, skipped = [], [], []
    for patient in patients_consenting_to_training().order_by("created_at"):
        label = PhenotypeLabel.objects.filter(patient=patient).first()
        inputs = patient_inputs(patient, task, pipeline_version=version) if label else None
        if label is None or inputs is None or not inputs.masks:
            skipped.append(str(patient.pk))
            continue
        participants.append(Participant(
            participant_id=str(patient.pk), label=LABELS[label.phenotype], masks=inputs.masks,
            thetas=inputs.thetas, motion=motion_vector(inputs.motion),
            proms=prom_vector(prom_totals(patient)),
            curvature=np.asarray(inputs.curvature, np.float32)))
        used.append({"patient": str(patient.pk), "label": label.phenotype,
                     "label_source": label.source})
    manifest = {"task": task, "pipeline_version": version, "patients": used,
                "skipped_without_data": skipped,
                "consent": "model_training, active at training time"}
    return participants, manifest
