"""What the physiotherapist's pages show, gathered from the database and object storage.

Reads only; authorization comes from selectors.patients_for_user like everywhere else.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.files.storage import default_storage
from django.db.models import Exists, OuterRef, Q, QuerySet
from PIL import Image

from assessments import charts
from assessments.models import Assessment, ClinicSettings, Patient, PromScore, Recording, User
from assessments.selectors import patients_for_user
from backtracker_site.models import JobStatus

logger = logging.getLogger(__name__)

SORTS = {
    "attention": ["-needs_review", "-low_confidence", "-failed_recording", "user__last_name"],
    "name": ["user__last_name", "user__first_name"],
    "newest": ["-created_at"],
}


def caseload(user: User, *, search: str = "", sort: str = "attention") -> QuerySet[Patient]:
    """The user's patients, each flagged with what needs attention."""
    threshold = ClinicSettings.current().confidence_threshold
    done = Assessment.objects.filter(patient=OuterRef("pk"), status=JobStatus.DONE)
    patients = patients_for_user(user).annotate(
        needs_review=Exists(done.filter(review=Assessment.Review.AWAITING)),
        low_confidence=Exists(done.filter(probability__lt=threshold)),
        failed_recording=Exists(Recording.objects.filter(patient=OuterRef("pk"),
                                                         status=JobStatus.FAILED)),
    )
    if search:
        patients = patients.filter(Q(user__first_name__icontains=search)
                                   | Q(user__last_name__icontains=search)
                                   | Q(user__email__icontains=search)
                                   | Q(external_ref__icontains=search))
    return patients.order_by(*SORTS.get(sort, SORTS["attention"]))


@dataclass
class RecordingView:
    recording: Recording
    theta_svg: str = ""
    montage_uri: str = ""
    qc_issues: list[dict[str, str]] = field(default_factory=list)
    masks_by_file: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_json(key: str) -> dict[str, Any] | None:
    try:
        with default_storage.open(key, "rb") as handle:
            return json.load(handle)
    except (FileNotFoundError, OSError, ValueError):
        logger.warning("could not read %s", key, exc_info=True)
        return None


def read_mask(key: str) -> np.ndarray | None:
    try:
        with default_storage.open(key, "rb") as handle:
            return np.asarray(Image.open(handle).convert("L")) > 127
    except (FileNotFoundError, OSError):
        return None


def one_mask_per_bin(masks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The mask nearest the middle of each 5-degree theta bin, in theta order."""
    chosen: dict[int, dict[str, Any]] = {}
    for mask in masks:
        current = chosen.get(mask["theta_bin"])
        centre = mask["theta_bin"] * 5 + 2.5
        if current is None or abs(mask["theta"] - centre) < abs(current["theta"] - centre):
            chosen[mask["theta_bin"]] = mask
    return [chosen[b] for b in sorted(chosen)]


def recording_view(recording: Recording | None) -> RecordingView | None:
    if recording is None:
        return None
    view = RecordingView(recording=recording)
    features = recording.feature_sets.first()
    if features is None:
        return view
    view.qc_issues = features.qc_issues
    document = read_json(features.features_key)
    if document is None:
        return view
    frames = document.get("frames", [])
    name = recording.get_task_display()
    view.theta_svg = charts.theta_curve_svg([f["t"] for f in frames],
                                            [f["theta"] for f in frames],
                                            document.get("repetitions", []), name)
    per_bin = one_mask_per_bin(document.get("masks", []))
    images = [m for m in (read_mask(features.prefix + entry["file"]) for entry in per_bin)
              if m is not None]
    if images:
        from mlpipeline.processing.backmasks import montage

        view.montage_uri = charts.png_data_uri(montage(images, columns=min(len(images), 12)))
    view.masks_by_file = {m["file"]: m for m in document.get("masks", [])}
    return view


def latest_done(patient: Patient, task: str) -> Recording | None:
    return patient.recordings.filter(task=task, status=JobStatus.DONE).prefetch_related(
        "feature_sets").order_by("-created_at").first()


def driving_masks(assessment: Assessment | None, limit: int = 6) -> list[dict[str, Any]]:
    """The masks that pushed hardest towards the result (largest scores)."""
    if assessment is None or not assessment.mask_scores:
        return []
    ranked = sorted(assessment.mask_scores, key=lambda m: abs(m.get("score", 0)), reverse=True)
    shown = []
    for entry in ranked[:limit]:
        image = read_mask(entry["key"]) if entry.get("key") else None
        shown.append({**entry, "uri": charts.png_data_uri(image.astype(np.uint8) * 255)
                      if image is not None else ""})
    return shown


def prom_summary(patient: Patient) -> tuple[list[PromScore], str]:
    scores = list(patient.prom_scores.order_by("-recorded_at"))
    latest: dict[str, PromScore] = {}
    series: dict[str, list] = {}
    for score in scores:
        latest.setdefault(score.instrument, score)
        series.setdefault(score.instrument, []).append((score.recorded_at, score.total))
    trend = charts.score_trend_svg(series) if scores else ""
    return sorted(latest.values(), key=lambda s: s.instrument), trend


def patient_page(patient: Patient) -> dict[str, Any]:
    assessment = patient.assessments.select_related("model_version", "reviewed_by").first()
    proms, prom_trend = prom_summary(patient)
    return {
        "patient": patient,
        "assessment": assessment,
        "driving_masks": driving_masks(assessment),
        "forward": recording_view(latest_done(patient, "forward")),
        "backward": recording_view(latest_done(patient, "backward")),
        "failed_recordings": patient.recordings.filter(status=JobStatus.FAILED)[:5],
        "proms": proms,
        "prom_trend": prom_trend,
        "requests": patient.recording_requests.filter(fulfilled_at__isnull=True),
    }
