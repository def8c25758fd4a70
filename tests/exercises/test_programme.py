"""Programme generation rules (pure, no database)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from exercises import programme as p
from exercises.programme import PatientFactors, QuestionnaireContext, generate_programme
from tests.exercises.factories import seed_library

LIBRARY = seed_library()


def plan_for(phenotype: str = "FP", probability: float = 0.9, *, age: int | None = 40,
             **questionnaires) -> p.Plan:
    return generate_programme(phenotype=phenotype, probability=probability,
                              questionnaires=QuestionnaireContext(**questionnaires),
                              patient=PatientFactors(age=age), library=LIBRARY)


def slugs(plan: p.Plan) -> list[str]:
    return [e.slug for e in plan.exercises]


def dose(plan: p.Plan, slug: str) -> p.Dosage:
    return next(e.dosage for e in plan.exercises if e.slug == slug)


def test_the_seed_library_holds_every_exercise_the_rules_name() -> None:
    named = {*p.FLEXION_CONTROL, *p.EXTENSION_CONTROL, *p.NEUTRAL_CONTROL, *p.ALWAYS,
             *p.SBT_HIGH_RISK_ADDS, *p.HIGH_TSK_ADDS}
    assert named <= set(LIBRARY)


def test_it_gives_flexion_control_for_a_confident_fp_result() -> None:
    plan = plan_for("FP", 0.92)
    assert not plan.provisional
    assert plan.review_reasons == []
    assert slugs(plan) == [*p.FLEXION_CONTROL, *p.ALWAYS]
    assert plan.rationale[0].startswith("R1: flexion pattern")
    assert dose(plan, "fp-wall-hip-hinge") == LIBRARY["fp-wall-hip-hinge"]


def test_it_gives_extension_control_for_a_confident_ep_result() -> None:
    plan = plan_for("EP", 0.85)
    assert not plan.provisional
    assert slugs(plan) == [*p.EXTENSION_CONTROL, *p.ALWAYS]
    assert not set(slugs(plan)) & set(p.FLEXION_CONTROL)
    assert "extension pattern" in plan.rationale[0]


@pytest.mark.parametrize(("phenotype", "probability"), [("FP", 0.6), ("EP", 0.4), ("EP", 0.69)])
def test_a_low_confidence_result_gives_a_provisional_neutral_programme(
        phenotype: str, probability: float) -> None:
    plan = plan_for(phenotype, probability)
    assert plan.provisional
    assert slugs(plan) == [*p.NEUTRAL_CONTROL, *p.ALWAYS]
    assert plan.review_reasons
    assert "Low-confidence" in plan.review_reasons[0]
    assert plan.rationale[0].startswith("R2")


def test_the_clinic_can_move_the_confidence_threshold() -> None:
    plan = generate_programme(phenotype="FP", probability=0.8,
                              questionnaires=QuestionnaireContext(), patient=PatientFactors(),
                              library=LIBRARY, low_confidence=0.85)
    assert plan.provisional


def test_confidence_reads_the_same_for_either_probability_convention() -> None:
    assert plan_for("EP", 0.2).confidence == plan_for("EP", 0.8).confidence == 0.8
    assert not plan_for("EP", 0.2).provisional
    assert not plan_for("FP", p.LOW_CONFIDENCE).provisional


def test_sbt_high_risk_adds_pain_education_and_graded_activity() -> None:
    plan = plan_for(sbt_band="high risk")
    assert slugs(plan)[-2:] == p.SBT_HIGH_RISK_ADDS
    assert any(r.startswith("R3") for r in plan.rationale)
    assert {e.rule for e in plan.exercises if e.slug in p.SBT_HIGH_RISK_ADDS} == {"R3"}
    for band in ("medium risk", "low risk", None):
        assert not set(slugs(plan_for(sbt_band=band))) & set(p.SBT_HIGH_RISK_ADDS)


def test_high_tsk_adds_graded_exposure_from_the_band_cut_off() -> None:
    assert "gx-feared-movement" in slugs(plan_for(tsk_total=38))
    assert any(r.startswith("R4") for r in plan_for(tsk_total=50).rationale)
    assert "gx-feared-movement" not in slugs(plan_for(tsk_total=37))
    assert "gx-feared-movement" not in slugs(plan_for(tsk_total=None))


def test_high_pain_lowers_the_starting_dosage() -> None:
    calm, sore = plan_for(pain_vas=30), plan_for(pain_vas=75)
    base, lowered = dose(calm, "fp-sitting-lordosis-awareness"), \
        dose(sore, "fp-sitting-lordosis-awareness")
    assert base == LIBRARY["fp-sitting-lordosis-awareness"]
    assert lowered.sets == base.sets - 1
    assert lowered.reps == round(base.reps * 0.6)
    assert lowered.hold_seconds == max(5, round(base.hold_seconds * 0.6))
    assert dose(sore, "ga-walking").minutes < dose(calm, "ga-walking").minutes
    assert any(r.startswith("R5") for r in sore.rationale)
    assert slugs(calm) == slugs(sore)


def test_older_patients_get_fewer_repetitions() -> None:
    young, older = plan_for(age=40), plan_for(age=70)
    assert dose(older, "fp-wall-hip-hinge").reps == 8
    assert dose(young, "fp-wall-hip-hinge").reps == 10
    assert dose(older, "edu-making-sense-of-pain") == dose(young, "edu-making-sense-of-pain")


def test_every_path_combines() -> None:
    plan = plan_for("EP", 0.55, sbt_band="high risk", tsk_total=45, pain_vas=80, age=70)
    assert plan.provisional
    assert set(slugs(plan)) == {*p.NEUTRAL_CONTROL, *p.ALWAYS, *p.SBT_HIGH_RISK_ADDS,
                                *p.HIGH_TSK_ADDS}
    assert [r[:2] for r in plan.rationale] == ["R2", "R3", "R4", "R5", "R6", "R7"]


def test_the_schedule_follows_the_most_frequent_exercise() -> None:
    assert plan_for("FP", 0.9).schedule_days == [0, 1, 2, 3, 4, 5, 6]
    assert p.schedule_for(3) == [0, 2, 4]
    assert p.schedule_for(0) == [0]


def test_missing_exercises_are_skipped_and_reported() -> None:
    library = {k: v for k, v in LIBRARY.items() if k != "fp-wall-hip-hinge"}
    plan = generate_programme(phenotype="FP", probability=0.9,
                              questionnaires=QuestionnaireContext(),
                              patient=PatientFactors(), library=library)
    assert "fp-wall-hip-hinge" not in slugs(plan)
    assert any("fp-wall-hip-hinge" in r for r in plan.review_reasons)


@pytest.mark.parametrize(("phenotype", "probability"), [("XX", 0.9), ("FP", 1.5),
                                                        ("FP", float("nan"))])
def test_it_rejects_invalid_input(phenotype: str, probability: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        plan_for(phenotype, probability)


def test_the_rule_modules_do_not_import_django() -> None:
    code = ("import sys, exercises.programme, exercises.progression, exercises.seed_data; "
            "assert not [m for m in sys.modules if m.startswith(('django', 'rest_framework'))]")
    subprocess.run([sys.executable, "-c", code], check=True)
