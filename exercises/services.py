"""Writes for exercises: seeding, programme creation, edits, approval, sessions, progression.

Every change to a programme goes through ``_record_version`` here, which appends a
ProgrammeVersion row with who changed it (None = the rules) and why.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from assessments.models import Assessment, ClinicSettings, Patient, PromScore, User
from backtracker_site.api.errors import ApiError
from exercises import progression, seed_data
from exercises.models import (
    Exercise,
    Programme,
    ProgrammeItem,
    ProgrammeVersion,
    SessionExercise,
    SessionLog,
)
from exercises.programme import Dosage, PatientFactors, QuestionnaireContext, generate_programme

logger = logging.getLogger(__name__)

SEED_FIELDS = ["name", "purpose", "instructions", "starting_position", "equipment", "level",
               "direction", "category", "default_sets", "default_reps", "default_hold_seconds",
               "default_minutes", "default_sessions_per_week", "contraindications", "cautions",
               "references"]


# --- Library ----------------------------------------------------------------------------


@transaction.atomic
def exercises_seed() -> tuple[int, int]:
    """Create or refresh the seeded library by slug (idempotent); returns (created, updated).

    Media files and ``is_active`` set by an admin are left alone.
    """
    created = updated = 0
    by_slug: dict[str, Exercise] = {}
    for data in seed_data.EXERCISES:
        defaults = {key: data[key] for key in SEED_FIELDS}
        exercise, was_created = Exercise.objects.update_or_create(slug=data["slug"],
                                                                  defaults=defaults)
        by_slug[exercise.slug] = exercise
        created += was_created
        updated += not was_created
    for data in seed_data.EXERCISES:
        if data["progression"]:
            easier, harder = by_slug[data["slug"]], by_slug[data["progression"]]
            Exercise.objects.filter(pk=easier.pk).update(progression=harder)
            Exercise.objects.filter(pk=harder.pk).update(regression=easier)
    return created, updated


def _library() -> dict[str, Exercise]:
    exercises = {e.slug: e for e in Exercise.objects.filter(is_active=True)}
    if not exercises:  # a fresh database: the assessment flow must still get a programme
        logger.warning("Exercise library empty; seeding it.")
        exercises_seed()
        exercises = {e.slug: e for e in Exercise.objects.filter(is_active=True)}
    return exercises


def _dosage(exercise: Exercise) -> Dosage:
    return Dosage(sets=exercise.default_sets, reps=exercise.default_reps,
                  hold_seconds=exercise.default_hold_seconds, minutes=exercise.default_minutes,
                  sessions_per_week=exercise.default_sessions_per_week)


# --- Programmes ---------------------------------------------------------------------------


def questionnaire_context_for(patient: Patient) -> QuestionnaireContext:
    """The latest STarT Back band, TSK total and pain VAS of the patient."""
    latest: dict[str, PromScore] = {}
    for score in patient.prom_scores.filter(instrument__in=["sbt", "tsk", "vas"]) \
            .order_by("instrument", "-recorded_at", "-pk"):
        latest.setdefault(score.instrument, score)
    sbt = latest.get("sbt")
    sbt_band = None
    if sbt is not None:
        # Imported totals carry no band: the high-risk band needs the psychosocial subscale.
        psychosocial = (sbt.subscales or {}).get("psychosocial")
        sbt_band = sbt.band or ("high risk" if psychosocial is not None and psychosocial >= 4
                                else None)
    tsk, vas = latest.get("tsk"), latest.get("vas")
    return QuestionnaireContext(sbt_band=sbt_band, tsk_total=tsk.total if tsk else None,
                                pain_vas=vas.total if vas else None)


def patient_factors_for(patient: Patient) -> PatientFactors:
    age = timezone.localdate().year - patient.year_of_birth if patient.year_of_birth else None
    return PatientFactors(age=age)


def _snapshot(programme: Programme) -> dict[str, Any]:
    return {
        "status": programme.status,
        "phenotype": programme.phenotype,
        "level": programme.level,
        "schedule_days": programme.schedule_days,
        "notes": programme.notes,
        "needs_review": programme.needs_review,
        "items": [
            {"exercise": item.exercise.slug, "sets": item.sets, "reps": item.reps,
             "hold_seconds": item.hold_seconds, "minutes": item.minutes,
             "sessions_per_week": item.sessions_per_week}
            for item in programme.items.select_related("exercise").order_by("order")
        ],
    }


def _record_version(programme: Programme, *, kind: str, by: User | None,
                    reason: str) -> ProgrammeVersion:
    """Bump the programme's version and append its new state to the history."""
    number = (programme.versions.order_by("-number").values_list("number", flat=True).first()
              or 0) + 1
    programme.version = number
    programme.save()
    return ProgrammeVersion.objects.create(programme=programme, number=number, kind=kind,
                                           changed_by=by, reason=reason,
                                           snapshot=_snapshot(programme))


@transaction.atomic
def programme_create_for_result(*, patient: Patient, phenotype: str, probability: float,
                                created_by: User | None = None,
                                assessment: Assessment | None = None) -> Programme:
    """Generate a programme from a classification result and the patient's latest PROMs.

    ``probability`` may be P(FP) or the probability of ``phenotype``; only max(p, 1 - p)
    is used. A result less confident than the clinic's threshold
    (ClinicSettings.confidence_threshold) gives a PROVISIONAL programme flagged for review;
    otherwise a DRAFT. Either waits for a physiotherapist's approval before the patient
    sees it. Version 1 is recorded with ``created_by`` (None: the assessment flow), and
    ``assessment`` links the programme to the result it was built for.
    """
    library = _library()
    plan = generate_programme(
        phenotype=phenotype, probability=probability,
        questionnaires=questionnaire_context_for(patient),
        patient=patient_factors_for(patient),
        library={slug: _dosage(e) for slug, e in library.items()},
        low_confidence=ClinicSettings.current().confidence_threshold,
    )
    programme = Programme.objects.create(
        patient=patient, phenotype=phenotype, probability=probability,
        confidence=plan.confidence,
        status=Programme.Status.PROVISIONAL if plan.provisional else Programme.Status.DRAFT,
        needs_review=bool(plan.review_reasons), review_reasons=plan.review_reasons,
        rationale=plan.rationale, schedule_days=plan.schedule_days, level=1,
        level_started_on=timezone.localdate(), created_by=created_by, assessment=assessment,
    )
    ProgrammeItem.objects.bulk_create([
        ProgrammeItem(programme=programme, exercise=library[p.slug], order=i,
                      sets=p.dosage.sets, reps=p.dosage.reps,
                      hold_seconds=p.dosage.hold_seconds, minutes=p.dosage.minutes,
                      sessions_per_week=p.dosage.sessions_per_week, rule=p.rule)
        for i, p in enumerate(plan.exercises)
    ])
    _record_version(programme, kind=ProgrammeVersion.Kind.CREATED, by=created_by,
                    reason=f"Generated from a {phenotype} result "
                           f"(confidence {plan.confidence:.0%}).")
    return programme


def _check_editable(programme: Programme) -> None:
    if programme.status == Programme.Status.RETIRED:
        raise ApiError(code="programme_retired", status_code=409,
                       message="This programme has been replaced; edit the current one.")


@transaction.atomic
def programme_update(*, programme: Programme, by: User, reason: str,
                     items: Sequence[dict[str, Any]] | None = None,
                     schedule_days: Sequence[int] | None = None,
                     notes: str | None = None) -> Programme:
    """A physiotherapist's edit; ``items`` (when given) replaces the exercise list.

    Each item is a dict with ``exercise`` (an Exercise) and optional dosage fields.
    """
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    _check_editable(programme)
    if not reason.strip():
        raise ApiError(code="reason_required", message="Say why the programme changes.")
    if items is not None:
        slugs = [item["exercise"].pk for item in items]
        if len(set(slugs)) != len(slugs):
            raise ApiError(code="duplicate_exercise",
                           message="Each exercise can appear only once in a programme.")
        programme.items.all().delete()
        ProgrammeItem.objects.bulk_create([
            ProgrammeItem(
                programme=programme, exercise=item["exercise"], order=i,
                sets=item.get("sets", item["exercise"].default_sets),
                reps=item.get("reps", item["exercise"].default_reps),
                hold_seconds=item.get("hold_seconds", item["exercise"].default_hold_seconds),
                minutes=item.get("minutes", item["exercise"].default_minutes),
                sessions_per_week=item.get("sessions_per_week",
                                           item["exercise"].default_sessions_per_week),
                rule="physio")
            for i, item in enumerate(items)
        ])
    if schedule_days is not None:
        programme.schedule_days = sorted(set(schedule_days))
    if notes is not None:
        programme.notes = notes
    _record_version(programme, kind=ProgrammeVersion.Kind.EDITED, by=by, reason=reason)
    return programme


@transaction.atomic
def programme_approve(*, programme: Programme, by: User, reason: str = "") -> Programme:
    """Approve a programme for the patient; their previously approved one is retired."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    _check_editable(programme)
    if programme.status == Programme.Status.APPROVED:
        raise ApiError(code="already_approved", status_code=409,
                       message="This programme is already approved.")
    if not programme.items.exists():
        raise ApiError(code="empty_programme", message="Add at least one exercise first.")
    for old in Programme.objects.select_for_update().filter(
            patient=programme.patient, status=Programme.Status.APPROVED):
        old.status = Programme.Status.RETIRED
        _record_version(old, kind=ProgrammeVersion.Kind.RETIRED, by=by,
                        reason="Replaced by a newly approved programme.")
    programme.status = Programme.Status.APPROVED
    programme.needs_review = False
    programme.approved_by = by
    programme.approved_at = timezone.now()
    programme.level_started_on = timezone.localdate()
    _record_version(programme, kind=ProgrammeVersion.Kind.APPROVED, by=by,
                    reason=reason or "Approved.")
    return programme


# --- Sessions and progression -------------------------------------------------------------


def today() -> date:
    return timezone.localdate()


def session_records(programme: Programme) -> list[progression.SessionRecord]:
    return [progression.SessionRecord(day=s.performed_on, pain_before=s.pain_before,
                                      pain_after=s.pain_after, difficulty=s.difficulty)
            for s in programme.sessions.all()]


def programme_evaluate(*, programme: Programme, today: date | None = None
                       ) -> progression.Decision:
    """What the progression rules say now (nothing is changed)."""
    return progression.decide(session_records(programme), level=programme.level,
                              since=programme.level_started_on,
                              today=today or timezone.localdate(),
                              planned_per_week=programme.sessions_per_week)


def programme_apply_decision(*, programme: Programme, decision: progression.Decision,
                             by: User | None = None, today: date | None = None) -> Programme:
    """Move every item one level along its progression or regression link.

    Items keep their dosage. A regression at the lowest level (no link) lowers sets by one
    instead. Holds change nothing.
    """
    if decision.action == progression.HOLD:
        return programme
    up = decision.action == progression.PROGRESS
    for item in programme.items.select_related("exercise__progression",
                                               "exercise__regression"):
        target = item.exercise.progression if up else item.exercise.regression
        taken = set(programme.items.values_list("exercise_id", flat=True))
        if target is not None and target.is_active and target.pk not in taken:
            item.exercise = target
            item.save(update_fields=["exercise"])
        elif not up and item.sets > 1:
            item.sets -= 1
            item.save(update_fields=["sets"])
    if not up:  # a flare: the physiotherapist should look at it
        programme.needs_review = True
        programme.review_reasons = [*programme.review_reasons, decision.reason]
    programme.level = decision.target_level
    programme.level_started_on = today or timezone.localdate()
    kind = ProgrammeVersion.Kind.PROGRESSED if up else ProgrammeVersion.Kind.REGRESSED
    _record_version(programme, kind=kind, by=by, reason=decision.reason)
    return programme


@transaction.atomic
def session_log(*, patient: Patient, programme: Programme, pain_before: int, pain_after: int,
                difficulty: int, exercises: Sequence[dict[str, Any]] = (),
                performed_on: date | None = None, notes: str = "") -> SessionLog:
    """Log a session of the patient's approved programme, then apply the progression rules.

    Progressions and regressions are applied at once and recorded in the programme's
    history with the rule's reason (changed_by None = the rules).
    """
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.patient_id != patient.pk or programme.status != Programme.Status.APPROVED:
        raise ApiError(code="programme_not_active", status_code=409,
                       message="Sessions can be logged only against your approved programme.")
    allowed = set(programme.items.values_list("exercise_id", flat=True))
    for entry in exercises:
        if entry["exercise"].pk not in allowed:
            raise ApiError(code="exercise_not_in_programme",
                           message="Log only exercises that are in your programme.")
    session = SessionLog.objects.create(
        programme=programme, patient=patient,
        performed_on=performed_on or timezone.localdate(), pain_before=pain_before,
        pain_after=pain_after, difficulty=difficulty, notes=notes)
    SessionExercise.objects.bulk_create([
        SessionExercise(session=session, exercise=entry["exercise"],
                        sets_done=entry.get("sets_done", 0))
        for entry in exercises
    ])
    decision = programme_evaluate(programme=programme, today=session.performed_on)
    programme_apply_decision(programme=programme, decision=decision,
                             today=session.performed_on)
    return session
