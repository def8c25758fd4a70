"""Programme services against the real database: generation, versions, approval, sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments.models import ClinicSettings, PromScore
from backtracker_site.api.errors import ApiError
from exercises import services
from exercises.models import Exercise, Programme, ProgrammeVersion
from exercises.seed_data import EXERCISES
from tests.factories import PatientFactory, PhysiotherapistFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(db) -> dict[str, Exercise]:
    services.exercises_seed()
    return {e.slug: e for e in Exercise.objects.all()}


def score(patient, instrument: str, total: float, band: str = "", **kw) -> PromScore:
    return PromScore.objects.create(patient=patient, instrument=instrument, total=total,
                                    band=band, source=PromScore.Source.APP, **kw)


def item_slugs(programme: Programme) -> list[str]:
    return [i.exercise.slug for i in programme.items.select_related("exercise")]


def test_the_seed_is_idempotent_and_links_levels(library) -> None:
    assert len(library) == len(EXERCISES) >= 24
    call_command("seed_exercises")
    assert Exercise.objects.count() == len(EXERCISES)
    hinge = Exercise.objects.get(slug="fp-dowel-hip-hinge")
    assert hinge.regression.slug == "fp-wall-hip-hinge"
    assert hinge.progression.slug == "fp-single-leg-hip-hinge"
    assert all(e.references for e in library.values())
    directions = {e.direction for e in library.values()}
    assert directions == {"flexion_control", "extension_control", "neutral"}


def test_a_confident_fp_result_gives_a_draft_flexion_programme(library) -> None:
    physio = PhysiotherapistFactory()
    patient = PatientFactory(physiotherapist=physio, year_of_birth=1990)
    programme = services.programme_create_for_result(patient=patient, phenotype="FP",
                                                     probability=0.9, created_by=physio)
    assert programme.status == Programme.Status.DRAFT
    assert not programme.needs_review
    assert item_slugs(programme)[0] == "fp-sitting-lordosis-awareness"
    version = programme.versions.get()
    assert (version.number, version.kind, version.changed_by) == (1, "created", physio)
    assert version.snapshot["items"][0]["exercise"] == "fp-sitting-lordosis-awareness"


def test_the_latest_questionnaires_shape_the_programme(library) -> None:
    patient = PatientFactory(year_of_birth=1990)
    score(patient, "sbt", 2, "low risk")
    score(patient, "sbt", 8, "high risk", subscales={"psychosocial": 5})
    score(patient, "tsk", 44, "high kinesiophobia")
    score(patient, "vas", 20)
    score(patient, "vas", 80)  # the newest pain rating counts
    programme = services.programme_create_for_result(patient=patient, phenotype="EP",
                                                     probability=0.88)
    slugs = item_slugs(programme)
    assert {"edu-pain-neuroscience", "ga-activity-quota", "gx-feared-movement"} <= set(slugs)
    tilt = programme.items.get(exercise__slug="ep-supine-posterior-pelvic-tilt")
    assert (tilt.sets, tilt.reps) == (1, 6)
    assert [r[:2] for r in programme.rationale] == ["R1", "R3", "R4", "R5", "R7"]
    assert programme.versions.get().changed_by is None


def test_an_imported_sbt_total_without_a_band_uses_the_subscale(library) -> None:
    patient = PatientFactory()
    PromScore.objects.create(patient=patient, instrument="sbt", total=7,
                             subscales={"psychosocial": 4}, source=PromScore.Source.IMPORT)
    assert services.questionnaire_context_for(patient).sbt_band == "high risk"


def test_a_low_confidence_result_is_provisional_and_flagged(library) -> None:
    programme = services.programme_create_for_result(patient=PatientFactory(),
                                                     phenotype="FP", probability=0.58)
    assert programme.status == Programme.Status.PROVISIONAL
    assert programme.needs_review
    assert "Low-confidence" in programme.review_reasons[0]
    assert "fp-wall-hip-hinge" not in item_slugs(programme)


def test_the_clinic_threshold_decides_what_is_provisional(library) -> None:
    ClinicSettings.objects.create(confidence_threshold=0.95)
    programme = services.programme_create_for_result(patient=PatientFactory(),
                                                     phenotype="EP", probability=0.9)
    assert programme.status == Programme.Status.PROVISIONAL


def test_an_empty_library_is_seeded_on_first_use(db) -> None:
    programme = services.programme_create_for_result(patient=PatientFactory(),
                                                     phenotype="EP", probability=0.9)
    assert programme.items.count() == 6


def test_edits_are_versioned_with_who_and_why(library) -> None:
    physio = PhysiotherapistFactory()
    programme = services.programme_create_for_result(
        patient=PatientFactory(year_of_birth=1990), phenotype="FP", probability=0.9)
    services.programme_update(
        programme=programme, by=physio, reason="Sitting is her main trigger",
        items=[{"exercise": library["fp-sitting-lordosis-awareness"], "reps": 6},
               {"exercise": library["ga-walking"]}],
        schedule_days=[4, 0, 2], notes="Check again in a week")
    programme.refresh_from_db()
    assert programme.version == 2
    assert programme.schedule_days == [0, 2, 4]
    assert item_slugs(programme) == ["fp-sitting-lordosis-awareness", "ga-walking"]
    latest = programme.versions.order_by("-number").first()
    assert (latest.kind, latest.changed_by, latest.reason) == (
        "edited", physio, "Sitting is her main trigger")
    assert latest.snapshot["items"][0]["reps"] == 6
    assert programme.versions.get(number=1).snapshot["items"][0]["reps"] == 10
    with pytest.raises(ApiError, match="why"):
        services.programme_update(programme=programme, by=physio, reason="  ", notes="x")
    with pytest.raises(ApiError, match="only once"):
        services.programme_update(programme=programme, by=physio, reason="dup",
                                  items=[{"exercise": library["ga-walking"]}] * 2)


def test_approval_retires_the_previous_programme(library) -> None:
    physio = PhysiotherapistFactory()
    patient = PatientFactory(physiotherapist=physio)
    first = services.programme_create_for_result(patient=patient, phenotype="FP",
                                                 probability=0.9)
    services.programme_approve(programme=first, by=physio, reason="Fits the assessment")
    first.refresh_from_db()
    assert first.status == "approved"
    assert first.approved_by == physio
    with pytest.raises(ApiError) as already:
        services.programme_approve(programme=first, by=physio)
    assert already.value.status_code == 409
    second = services.programme_create_for_result(patient=patient, phenotype="EP",
                                                  probability=0.6)
    services.programme_approve(programme=second, by=physio, reason="Confirmed EP in clinic")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.needs_review) == ("retired", "approved", False)
    assert list(first.versions.values_list("kind", flat=True)) == ["retired", "approved",
                                                                   "created"]
    with pytest.raises(ApiError, match="replaced"):
        services.programme_update(programme=first, by=physio, reason="late", notes="x")


def approved_programme(library, *, level_days_ago: int = 15) -> Programme:
    physio = PhysiotherapistFactory()
    programme = services.programme_create_for_result(
        patient=PatientFactory(physiotherapist=physio), phenotype="FP", probability=0.9)
    services.programme_update(programme=programme, by=physio, reason="Weekdays only",
                              schedule_days=[0, 1, 2, 3, 4])
    services.programme_approve(programme=programme, by=physio)
    start = timezone.localdate() - timedelta(days=level_days_ago)
    Programme.objects.filter(pk=programme.pk).update(level_started_on=start)
    programme.refresh_from_db()
    return programme


def log(programme: Programme, day_offset: int, *, pain: int = 3, after: int | None = None):
    return services.session_log(
        patient=programme.patient, programme=programme, pain_before=pain,
        pain_after=pain if after is None else after, difficulty=3,
        performed_on=programme.level_started_on + timedelta(days=day_offset),
        exercises=[{"exercise": programme.items.first().exercise, "sets_done": 2}])


def test_sustained_adherence_moves_the_programme_up_a_level(library) -> None:
    programme = approved_programme(library)
    start = programme.level_started_on
    for offset in [0, 1, 2, 3, 4, 7, 8, 9, 10, 11]:
        log(programme, offset)
    programme.refresh_from_db()
    assert programme.level == 1  # the second week is not over yet
    log(programme, 14)
    programme.refresh_from_db()
    assert programme.level == 2
    assert programme.level_started_on == start + timedelta(days=14)
    assert item_slugs(programme)[:3] == ["fp-sit-to-stand-neutral", "fp-dowel-hip-hinge",
                                         "fp-bird-dog"]
    version = programme.versions.order_by("-number").first()
    assert version.kind == ProgrammeVersion.Kind.PROGRESSED
    assert version.changed_by is None
    assert "up to level 2" in version.reason


def test_a_pain_flare_moves_the_programme_back_with_the_reason(library) -> None:
    programme = approved_programme(library)
    for offset in [0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 14]:
        log(programme, offset)
    programme.refresh_from_db()
    assert programme.level == 2
    log(programme, 1, pain=3, after=7)
    programme.refresh_from_db()
    assert programme.level == 1
    assert programme.needs_review
    assert item_slugs(programme)[0] == "fp-sitting-lordosis-awareness"
    version = programme.versions.order_by("-number").first()
    assert version.kind == ProgrammeVersion.Kind.REGRESSED
    assert "rose from 3 to 7/10" in version.reason
    assert version.reason in programme.review_reasons


def test_a_flare_at_level_one_lowers_the_sets(library) -> None:
    programme = approved_programme(library, level_days_ago=0)
    sets_before = programme.items.get(exercise__slug="fp-wall-hip-hinge").sets
    log(programme, 0, pain=2, after=6)
    assert programme.items.get(exercise__slug="fp-wall-hip-hinge").sets == sets_before - 1


def test_sessions_need_the_patients_approved_programme(library) -> None:
    draft = services.programme_create_for_result(patient=PatientFactory(), phenotype="FP",
                                                 probability=0.9)
    with pytest.raises(ApiError, match="approved programme"):
        services.session_log(patient=draft.patient, programme=draft, pain_before=1,
                             pain_after=1, difficulty=2)
    programme = approved_programme(library)
    with pytest.raises(ApiError, match="approved programme"):
        services.session_log(patient=draft.patient, programme=programme, pain_before=1,
                             pain_after=1, difficulty=2)
    with pytest.raises(ApiError, match="in your programme"):
        services.session_log(patient=programme.patient, programme=programme, pain_before=1,
                             pain_after=1, difficulty=2,
                             exercises=[{"exercise": library["ep-dead-bug"], "sets_done": 1}])
