"""Questionnaire scoring rules (docs/PROMS.md), from the shipped data definitions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.prom_scoring import ScoringError, check_total, score, total_range

FOLDER = Path(__file__).resolve().parents[2] / "assessments" / "instruments"
DEFS = {path.stem: json.loads(path.read_text()) for path in FOLDER.glob("*.json")}


def test_every_paper_instrument_is_defined() -> None:
    assert set(DEFS) == {"vas", "odi", "pcs", "pseq", "sbt", "tsk", "csq", "pass20"}


@pytest.mark.parametrize(("answers", "total", "band"), [
    ([0] * 10, 0, "minimal disability"),
    ([5] * 10, 100, "bed-bound or exaggerating"),
    ([2] * 9 + [None], 40, "moderate disability"),  # 18 / 45 answered
    ([1, 1, 1, 1, 1, 1, 1, 1, 1, 2], 22, "moderate disability"),  # 11/50 = 22
    ([3, 2, 2, 2, 2, 2, 2, 2, 2, None], 42, "severe disability"),  # 19/45 = 42.2 -> 42
])
def test_odi(answers, total, band) -> None:
    result = score(DEFS["odi"], answers)
    assert (result.total, result.band) == (total, band)


def test_odi_needs_nine_answers() -> None:
    with pytest.raises(ScoringError, match="at least 9"):
        score(DEFS["odi"], [1] * 8 + [None, None])


@pytest.mark.parametrize(("answers", "total", "psychosocial", "band"), [
    ([0, 0, 0, 0, 0, 0, 0, 0, 0], 0, 0, "low risk"),
    ([1, 1, 1, 0, 0, 0, 0, 0, 2], 3, 0, "low risk"),
    ([1, 1, 1, 1, 1, 1, 1, 0, 2], 7, 3, "medium risk"),
    ([0, 0, 0, 1, 1, 1, 1, 0, 3], 5, 4, "high risk"),  # item 9 = 3 recodes to 1
    ([1, 1, 1, 1, 1, 1, 1, 1, 4], 9, 5, "high risk"),
])
def test_start_back(answers, total, psychosocial, band) -> None:
    result = score(DEFS["sbt"], answers)
    assert result.total == total
    assert result.subscales["psychosocial"] == psychosocial
    assert result.band == band


def test_tsk_reverses_items_4_8_12_16_and_calls_above_37_high() -> None:
    answers = [2] * 17
    answers[3] = 4  # item 4 is reversed: 5 - 4 = 1 point; items 8, 12, 16 give 5 - 2 = 3
    result = score(DEFS["tsk"], answers)
    assert result.total == 13 * 2 + 1 + 3 * 3
    reversed_neutral = [3 if n in (4, 8, 12, 16) else 2 for n in range(1, 18)]  # 34 points
    at_37 = [3 if n in (1, 2, 3) else a for n, a in enumerate(reversed_neutral, start=1)]
    at_38 = [3 if n in (1, 2, 3, 5) else a for n, a in enumerate(reversed_neutral, start=1)]
    assert (score(DEFS["tsk"], at_37).total, score(DEFS["tsk"], at_37).band) == (37, "not high")
    assert score(DEFS["tsk"], at_38).band == "high kinesiophobia"
    assert score(DEFS["tsk"], [3] * 17).total == 3 * 13 + 2 * 4  # 47
    assert score(DEFS["tsk"], [3] * 17).band == "high kinesiophobia"
    assert total_range(DEFS["tsk"]) == (17, 68)


def test_pcs_subscales() -> None:
    answers = [4, 4, 4, 4, 4, 0, 0, 1, 1, 1, 1, 4, 0]
    result = score(DEFS["pcs"], answers)
    assert result.subscales == {"rumination": 4, "magnification": 0, "helplessness": 24}
    assert result.total == 28
    assert result.band == "below threshold"


@pytest.mark.parametrize(("code", "expected"), [
    ("vas", (0, 100)), ("odi", (0, 100)), ("sbt", (0, 9)), ("tsk", (17, 68)),
    ("pcs", (0, 52)), ("pseq", (0, 60)), ("pass20", (0, 100)),
])
def test_total_ranges(code, expected) -> None:
    assert total_range(DEFS[code]) == expected


def test_imported_totals_are_range_checked() -> None:
    check_total(DEFS["pcs"], 52)
    with pytest.raises(ScoringError, match="outside 0-52"):
        check_total(DEFS["pcs"], 53)


@pytest.mark.parametrize("bad", [[5] * 13, [-1] * 13, [1.5] * 13, [True] * 13, [1] * 12])
def test_invalid_answers_are_refused_with_a_reason(bad) -> None:
    with pytest.raises(ScoringError):
        score(DEFS["pcs"], bad)


@given(st.sampled_from(sorted(DEFS)), st.data())
def test_any_valid_answers_score_inside_the_total_range(code, data) -> None:
    definition = DEFS[code]
    answers = []
    for number in range(1, definition["items"] + 1):
        low, high = definition.get("ranges", {}).get(str(number),
                                                     (definition["min"], definition["max"]))
        answers.append(data.draw(st.integers(low, high)))
    low, high = total_range(definition)
    assert low <= score(definition, answers).total <= high
