"""What the physiotherapist's pages show, gathered from the database and object storage.

Reads only; authorization comes from selectors.patients_for_user like everywhere else.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.core.files.storage import default_storage
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from PIL import Image

from assessments import charts
from assessments.models import (
    Assessment,
    ClinicSettings,
    Patient,
    Phenotype,
    PromScore,
    Recording,
    User,
)
from assessments.selectors import patients_for_user
from backtracker_site.models import JobStatus
from exercises import progression
from exercises.models import Programme, ProgrammeItem, ProgrammeVersion, SessionLog
from exercises.selectors import caseload_flags

logger = logging.getLogger(__name__)

# What needs attention, most urgent first: annotation name -> what the page calls it.
# The adherence and pain rules are defined in exercises.progression.
FLAGS = {
    "pain_flare": "pain flare",
    "needs_review": "result to review",
    "low_confidence": "low confidence",
    "failed_recording": "failed recording",
    "poor_adherence": "poor adherence",
}
SORTS = {
    "attention": [*(f"-{flag}" for flag in FLAGS), "user__last_name"],
    "name": ["user__last_name", "user__first_name"],
    "newest": ["-created_at"],
}


def caseload(user: User, *, search: str = "", sort: str = "attention", flag: str = ""
             ) -> QuerySet[Patient]:
    """The user's patients, each flagged with what needs attention (one query, any size)."""
    threshold = ClinicSettings.current().confidence_threshold
    done = Assessment.objects.filter(patient=OuterRef("pk"), status=JobStatus.DONE)
    # The caseload shows no physiotherapist: drop that join.
    patients = patients_for_user(user).select_related(None).select_related("user").annotate(
        needs_review=Exists(done.filter(review=Assessment.Review.AWAITING)),
        low_confidence=Exists(done.filter(probability__lt=threshold)),
        failed_recording=Exists(Recording.objects.filter(patient=OuterRef("pk"),
                                                         status=JobStatus.FAILED)),
        **caseload_flags(timezone.localdate()),
    )
    if flag in FLAGS:
        patients = patients.filter(**{flag: True})
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
    curvature_svg: str = ""
    curvature: dict[str, Any] = field(default_factory=dict)  # features.json `curvature`
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
    from mlpipeline.selectors import feature_set_for_display

    view = RecordingView(recording=recording)
    features = feature_set_for_display(recording)  # the current pipeline's analysis
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
    view.curvature = document.get("curvature") or {}
    masks = document.get("masks", [])
    if view.curvature and any(m.get("lumbar_deg") is not None for m in masks):
        view.curvature_svg = charts.curvature_curve_svg(
            [m["t"] for m in masks], [m.get("lumbar_deg") for m in masks],
            [m.get("thoracic_deg") for m in masks],
            (view.curvature.get("standing_lumbar_deg"),
             view.curvature.get("standing_thoracic_deg")),
            f"{name}: spinal curvature from the back outline")
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


CHART_WEEKS = 12  # the adherence chart shows at most this many recent weeks


@dataclass
class ProgrammePanel:
    """The programme a physiotherapist approves or edits, and how the patient gets on."""

    programme: Programme  # the newest one not retired
    approved: Programme | None  # the one the patient follows now (may be ``programme``)
    versions: list[ProgrammeVersion]
    sessions: list[SessionLog]  # the latest few
    attention: list[str] = field(default_factory=list)  # why it is flagged on the caseload
    adherence_svg: str = ""


def session_records(sessions: list[SessionLog]) -> list[progression.SessionRecord]:
    return [progression.SessionRecord(day=s.performed_on, pain_before=s.pain_before,
                                      pain_after=s.pain_after, difficulty=s.difficulty)
            for s in sessions]


def adherence_chart(approved: Programme, sessions: list[SessionLog], *, since: date,
                    today: date) -> str:
    """Weekly sessions against the plan since ``since``, with the pain the patient logged."""
    mine = [s for s in sessions if s.programme_id == approved.pk and s.performed_on >= since]
    weeks = progression.weekly_adherence(session_records(mine), since=since, today=today,
                                         planned_per_week=approved.sessions_per_week)
    return charts.adherence_svg(
        [(w.start, w.sessions, w.planned) for w in weeks],
        [(s.performed_on, s.pain_before, s.pain_after) for s in mine if s.performed_on <= today],
        target=progression.ADHERENCE_TARGET)


def programme_panel(patient: Patient, today: date | None = None) -> ProgrammePanel | None:
    today = today or timezone.localdate()
    programmes = list(
        patient.programmes.exclude(status=Programme.Status.RETIRED)
        .select_related("approved_by", "created_by")
        .prefetch_related(Prefetch("items", ProgrammeItem.objects.select_related("exercise"))))
    if not programmes:
        return None
    current = programmes[0]
    approved = next((p for p in programmes if p.status == Programme.Status.APPROVED), None)
    panel = ProgrammePanel(
        programme=current, approved=approved,
        versions=list(current.versions.select_related("changed_by")[:10]),
        sessions=list(patient.sessions.all()[:5]))
    flare_since = progression.flare_windows(today)[1]
    if approved is None:
        sessions = list(patient.sessions.filter(performed_on__gte=flare_since))
    else:
        approved_on = timezone.localdate(approved.approved_at) if approved.approved_at \
            else approved.level_started_on
        weeks_running = max(0, (today - approved_on).days) // 7 + 1
        chart_since = approved_on + timedelta(days=7 * max(0, weeks_running - CHART_WEEKS))
        first = min(chart_since, flare_since, progression.adherence_window(today)[0])
        sessions = list(patient.sessions.filter(performed_on__gte=first))
        panel.adherence_svg = adherence_chart(approved, sessions, since=chart_since,
                                              today=today)
        poor = progression.poor_adherence(
            session_records([s for s in sessions if s.programme_id == approved.pk]),
            planned_per_week=approved.sessions_per_week, approved_on=approved_on, today=today)
        if poor:
            panel.attention.append(poor)
    flare = progression.pain_flare(session_records(sessions), today=today)
    if flare:
        panel.attention.append(flare)
    return panel


def phenotype_for_programme(patient: Patient, assessment: Assessment | None) -> str:
    """For a classified patient: the physiotherapist's latest label, else the result."""
    if assessment is None or assessment.status != JobStatus.DONE or not assessment.phenotype:
        return ""
    label = patient.labels.only("phenotype").first()
    return label.phenotype if label is not None else assessment.phenotype


def patient_page(patient: Patient) -> dict[str, Any]:
    assessment = patient.assessments.select_related("model_version", "reviewed_by").first()
    proms, prom_trend = prom_summary(patient)
    panel = programme_panel(patient)
    phenotype = phenotype_for_programme(patient, assessment)
    return {
        "programme": panel,
        # Offer a new programme when there is none for the phenotype the physio stands by.
        "programme_phenotype": Phenotype(phenotype) if phenotype and (
            panel is None or panel.programme.phenotype != phenotype) else None,
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
