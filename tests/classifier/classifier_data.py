"""A small labelled cohort in the database whose back masks carry the label."""

from __future__ import annotations

import json

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from assessments.models import ConsentPurpose, PhenotypeLabel, Recording
from assessments.services import consent_grant
from backtracker_site.models import JobStatus
from mlpipeline.models import FeatureSet
from mlpipeline.services import current_pipeline_version
from tests.assessments.dashboard_data import mask_png
from tests.factories import PatientFactory


def analysed_recording(patient, task: str, bend: float, rng: np.random.Generator,
                       count: int = 12) -> Recording:
    recording = Recording.objects.create(patient=patient, task=task, status=JobStatus.DONE,
                                         source_key=f"patients/{patient.pk}/{task}/source.mp4")
    prefix = f"patients/{patient.pk}/recordings/{recording.pk}/derived/v1/"
    masks = []
    for index in range(count):
        theta = 5.0 + 2.5 * index
        name = f"masks/{index:06d}.png"
        default_storage.save(prefix + name,
                             ContentFile(mask_png(bend + rng.normal(0, 0.15))))
        masks.append({"file": name, "frame": index, "t": index / 5, "theta": theta,
                      "theta_bin": int(theta // 5)})
    document = {"fps": 30, "frames": [], "repetitions": [], "masks": masks,
                "motion_features": {"mean": 20.0, "range": 30.0}}
    default_storage.save(prefix + "features.json", ContentFile(json.dumps(document).encode()))
    FeatureSet.objects.create(recording=recording, pipeline_version=current_pipeline_version(),
                              prefix=prefix, fps=30,
                              frame_count=count, mask_count=count, qc_ok=True)
    return recording


def labelled_cohort(participants: int = 12, seed: int = 0) -> list:
    """Half FP (masks curved one way), half EP (the other way), all consenting."""
    rng = np.random.default_rng(seed)
    patients = []
    for number in range(participants):
        patient = PatientFactory()
        phenotype = "FP" if number % 2 else "EP"
        consent_grant(patient=patient, purpose=ConsentPurpose.CARE)
        consent_grant(patient=patient, purpose=ConsentPurpose.MODEL_TRAINING)
        PhenotypeLabel.objects.create(patient=patient, phenotype=phenotype, source="import")
        bend = 0.8 if phenotype == "FP" else -0.8
        for task in ("forward", "backward"):
            analysed_recording(patient, task, bend, rng)
        patients.append(patient)
    return patients
