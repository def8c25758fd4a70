"""Programme generation: a classification result and questionnaire context -> a programme.

Pure Python (no Django) so the clinical rules can be read, tested and reused alone.
The exercise library is passed in as plain data (slug -> default dosage); the rules
below pick slugs from it and set the dosage and the weekly schedule.

Rules, applied in this order (each one that fires is written to ``Plan.rationale``):

R1  Direction. FP-MCI (flexion pattern) gets the flexion-control set: lumbar neutral in
    sitting, hip hinge, four-point rock-back (O'Sullivan 2005; Dankaerts 2006).
    EP-MCI (extension pattern) gets the extension-control set: posterior pelvic tilt
    awareness, abdominal control, hip flexor length, no end-range extension.
    Everyone also gets "making sense of pain" and graded walking (O'Sullivan 2018, CFT).
R2  Confidence. confidence = max(p, 1 - p), so it reads the same whether the caller
    passes P(FP) or the probability of the stated phenotype. Below ``low_confidence``
    (the clinic's review threshold, ``LOW_CONFIDENCE`` by default) the programme is
    provisional: the direction-specific set is replaced by direction-neutral motor
    control, and it is flagged for physio review.
R3  STarT Back high risk adds pain neuroscience education and graded activity
    (Hill 2011 stratified care; Louw 2016; Macedo 2010).
R4  TSK-17 total >= ``HIGH_TSK`` (the instrument's "high kinesiophobia" band, > 37)
    adds graded exposure to a feared movement (Vlaeyen & Linton 2000; Macedo 2010).
R5  Pain VAS >= ``HIGH_PAIN_VAS`` mm lowers the starting dosage: one set fewer
    (at least 1), 60% of the repetitions and hold time (at least 3 reps, 5 s).
R6  Age >= ``OLDER_AGE`` lowers repetitions to 80% (at least 3), applied after R5.
R7  Schedule. Sessions per week = the largest per-exercise frequency; the days are
    spread over the week (``WEEKDAY_SPREAD``); education is done once a week.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

LOW_CONFIDENCE = 0.70
HIGH_TSK = 38.0
HIGH_PAIN_VAS = 60.0  # 0-100 mm
OLDER_AGE = 65
SBT_HIGH_RISK = "high risk"

# Starting (level 1) exercises of each set; later levels come from the library's
# progression links, not from here.
FLEXION_CONTROL = ["fp-sitting-lordosis-awareness", "fp-wall-hip-hinge",
                   "fp-quadruped-rock-back"]
EXTENSION_CONTROL = ["ep-supine-posterior-pelvic-tilt", "ep-heel-slide-abdominal-control",
                     "ep-supine-hip-flexor-lengthening", "ep-relaxed-sitting"]
NEUTRAL_CONTROL = ["neutral-pelvic-rocking", "neutral-relaxed-breathing", "neutral-bridge"]
ALWAYS = ["edu-making-sense-of-pain", "ga-walking"]
SBT_HIGH_RISK_ADDS = ["edu-pain-neuroscience", "ga-activity-quota"]
HIGH_TSK_ADDS = ["gx-feared-movement"]

# Days of the week (0 = Monday) for n sessions a week.
WEEKDAY_SPREAD = {1: [0], 2: [0, 3], 3: [0, 2, 4], 4: [0, 1, 3, 4], 5: [0, 1, 2, 3, 4],
                  6: [0, 1, 2, 3, 4, 5], 7: [0, 1, 2, 3, 4, 5, 6]}


@dataclass(frozen=True)
class Dosage:
    sets: int = 1
    reps: int = 1
    hold_seconds: int = 0
    minutes: int = 0
    sessions_per_week: int = 1


@dataclass(frozen=True)
class QuestionnaireContext:
    """The latest questionnaire results that change a programme (None = not answered)."""

    sbt_band: str | None = None  # "low risk", "medium risk", "high risk"
    tsk_total: float | None = None  # TSK-17, 17-68
    pain_vas: float | None = None  # 0-100 mm


@dataclass(frozen=True)
class PatientFactors:
    age: int | None = None


@dataclass(frozen=True)
class PlannedExercise:
    slug: str
    dosage: Dosage
    rule: str  # which rule put it there


@dataclass(frozen=True)
class Plan:
    phenotype: str
    confidence: float
    provisional: bool
    exercises: list[PlannedExercise]
    schedule_days: list[int]
    rationale: list[str] = field(default_factory=list)
    review_reasons: list[str] = field(default_factory=list)


def confidence_of(probability: float) -> float:
    """Confidence in the result whatever the convention: max(p, 1 - p)."""
    if not 0.0 <= probability <= 1.0 or math.isnan(probability):
        raise ValueError(f"probability must be in [0, 1], got {probability!r}")
    return max(probability, 1.0 - probability)


def lower_for_pain(d: Dosage) -> Dosage:
    """R5: one set fewer and 60% of the reps and hold, with floors."""
    if d.reps <= 1 and d.hold_seconds == 0:  # education, walking: leave time-based doses
        return replace(d, minutes=max(5, round(d.minutes * 0.6)) if d.minutes else 0)
    return replace(d, sets=max(1, d.sets - 1), reps=max(3, round(d.reps * 0.6)),
                   hold_seconds=max(5, round(d.hold_seconds * 0.6)) if d.hold_seconds else 0)


def lower_for_age(d: Dosage) -> Dosage:
    """R6: 80% of the repetitions."""
    if d.reps <= 1:
        return d
    return replace(d, reps=max(3, round(d.reps * 0.8)))


def schedule_for(sessions_per_week: int) -> list[int]:
    return WEEKDAY_SPREAD[min(7, max(1, sessions_per_week))]


def generate_programme(
    *,
    phenotype: str,
    probability: float,
    questionnaires: QuestionnaireContext,
    patient: PatientFactors,
    library: Mapping[str, Dosage],
    low_confidence: float = LOW_CONFIDENCE,
) -> Plan:
    """Pick exercises, dosage and a weekly schedule (rules R1-R7 in the module docstring).

    ``library`` maps exercise slugs to their default dosage; a slug a rule asks for that
    is missing from the library is skipped and reported in ``review_reasons``.
    """
    if phenotype not in ("FP", "EP"):
        raise ValueError(f"phenotype must be 'FP' or 'EP', got {phenotype!r}")
    confidence = confidence_of(probability)
    rationale: list[str] = []
    review: list[str] = []
    chosen: list[tuple[str, str]] = []  # (slug, rule)

    provisional = confidence < low_confidence
    if provisional:
        chosen += [(slug, "R2") for slug in NEUTRAL_CONTROL]
        rationale.append(f"R2: confidence {confidence:.2f} < {low_confidence:.2f}; "
                         "direction-neutral motor control until a physiotherapist confirms "
                         f"the {phenotype} pattern.")
        review.append(f"Low-confidence {phenotype} result ({confidence:.0%}): confirm the "
                      "movement pattern and choose the direction-specific exercises.")
    elif phenotype == "FP":
        chosen += [(slug, "R1") for slug in FLEXION_CONTROL]
        rationale.append("R1: flexion pattern (FP-MCI): flexion control with a neutral "
                         "lumbar spine in sitting, bending and four-point kneeling.")
    else:
        chosen += [(slug, "R1") for slug in EXTENSION_CONTROL]
        rationale.append("R1: extension pattern (EP-MCI): extension control with pelvic "
                         "tilt awareness, abdominal control and hip flexor length; no "
                         "end-range extension.")
    chosen += [(slug, "R1") for slug in ALWAYS]

    if questionnaires.sbt_band == SBT_HIGH_RISK:
        chosen += [(slug, "R3") for slug in SBT_HIGH_RISK_ADDS]
        rationale.append("R3: STarT Back high risk: pain neuroscience education and graded "
                         "activity added.")
    if questionnaires.tsk_total is not None and questionnaires.tsk_total >= HIGH_TSK:
        chosen += [(slug, "R4") for slug in HIGH_TSK_ADDS]
        rationale.append(f"R4: TSK {questionnaires.tsk_total:g} >= {HIGH_TSK:g} (high "
                         "kinesiophobia): graded exposure to a feared movement added.")
    high_pain = questionnaires.pain_vas is not None and questionnaires.pain_vas >= HIGH_PAIN_VAS
    if high_pain:
        rationale.append(f"R5: pain {questionnaires.pain_vas:g}/100 >= {HIGH_PAIN_VAS:g}: "
                         "starting dosage lowered.")
    older = patient.age is not None and patient.age >= OLDER_AGE
    if older:
        rationale.append(f"R6: age {patient.age} >= {OLDER_AGE}: repetitions lowered.")

    planned: list[PlannedExercise] = []
    seen: set[str] = set()
    for slug, rule in chosen:
        if slug in seen:
            continue
        seen.add(slug)
        if slug not in library:
            review.append(f"Exercise {slug!r} is missing from the library.")
            continue
        dosage = library[slug]
        if high_pain:
            dosage = lower_for_pain(dosage)
        if older:
            dosage = lower_for_age(dosage)
        planned.append(PlannedExercise(slug=slug, dosage=dosage, rule=rule))

    per_week = max((p.dosage.sessions_per_week for p in planned), default=1)
    days = schedule_for(per_week)
    rationale.append(f"R7: {len(days)} sessions a week.")
    return Plan(phenotype=phenotype, confidence=round(confidence, 4), provisional=provisional,
                exercises=planned, schedule_days=days, rationale=rationale,
                review_reasons=review)
