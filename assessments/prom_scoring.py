"""Questionnaire (PROM) scoring from data definitions. Pure Python: no Django.

An instrument is described by a JSON-able dict (see assessments/instruments/*.json), so a
clinic can add a version without code:

    code, name, version, items (count), min, max     response range of every item
    ranges: {"9": [0, 4]}                             a different range for some items
    reversed: [item numbers]                          scored as (min + max - answer)
    recode: {"9": [0, 0, 0, 1, 1]}                   answer -> points, per item
    method: "sum" | "percent_of_max"                  percent_of_max: sum / (max x answered)
    min_answered: n                                   fewer answers: not scorable
    subscales: {name: [item numbers]}                 sums of recoded/reversed points
    bands: [{"label", "min", "max", "subscale"?}]     first match wins; on total or subscale
    precision: 0                                      decimals of the total

No copyrighted wording lives here: items are numbered; licensed wording is loaded by an
admin and shown beside the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


class ScoringError(ValueError):
    """The answers cannot be scored; the message says what to fix."""


@dataclass(frozen=True)
class Score:
    total: float
    subscales: dict[str, float] = field(default_factory=dict)
    band: str = ""
    answered: int = 0


def item_points(definition: Mapping[str, Any], number: int, answer: int) -> float:
    """Points of one answer after recoding or reversal."""
    recode = definition.get("recode", {}).get(str(number))
    if recode is not None:
        return float(recode[answer - item_range(definition, number)[0]])
    if number in definition.get("reversed", []):
        return float(definition["min"] + definition["max"] - answer)
    return float(answer)


def item_range(definition: Mapping[str, Any], number: int) -> tuple[int, int]:
    low, high = definition.get("ranges", {}).get(str(number),
                                                 (definition["min"], definition["max"]))
    return int(low), int(high)


def round_half_up(value: float, places: int) -> float:
    """Clinical manuals round .5 up; Python's round() would round it to even."""
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def check_answers(definition: Mapping[str, Any],
                  answers: Sequence[int | None]) -> list[tuple[int, int]]:
    """(item number, answer) of the answered items, after checking count and range."""
    count = definition["items"]
    if len(answers) != count:
        raise ScoringError(f"{definition['name']} has {count} items; {len(answers)} answers "
                           "were sent (use null for an unanswered item).")
    answered = []
    for number, answer in enumerate(answers, start=1):
        if answer is None:
            continue
        low, high = item_range(definition, number)
        if isinstance(answer, bool) or not isinstance(answer, int) or not low <= answer <= high:
            raise ScoringError(f"Item {number} must be a whole number from {low} to {high}.")
        answered.append((number, answer))
    needed = definition.get("min_answered", count)
    if len(answered) < needed:
        raise ScoringError(f"Answer at least {needed} of the {count} items of "
                           f"{definition['name']}.")
    return answered


def band_for(definition: Mapping[str, Any], total: float, subscales: Mapping[str, float]) -> str:
    for band in definition.get("bands", []):
        value = subscales[band["subscale"]] if band.get("subscale") else total
        if band.get("min", -math.inf) <= value <= band.get("max", math.inf):
            return band["label"]
    return ""


def score(definition: Mapping[str, Any], answers: Sequence[int | None]) -> Score:
    """Total, subscales and band of one questionnaire's answers."""
    answered = check_answers(definition, answers)
    points = {number: item_points(definition, number, answer) for number, answer in answered}
    subscales = {name: sum(points.get(n, 0.0) for n in items)
                 for name, items in definition.get("subscales", {}).items()}
    raw = sum(points.values())
    if definition.get("method", "sum") == "percent_of_max":
        total = raw / (definition["max"] * len(points)) * 100
    else:
        total = raw
    total = round_half_up(total, definition.get("precision", 0))
    return Score(total=total, subscales=subscales,
                 band=band_for(definition, total, subscales), answered=len(points))


def total_range(definition: Mapping[str, Any]) -> tuple[float, float]:
    """Lowest and highest possible total (used to check imported totals)."""
    if definition.get("method", "sum") == "percent_of_max":
        return 0.0, 100.0
    low = high = 0.0
    for number in range(1, definition["items"] + 1):
        first, last = item_range(definition, number)
        points = [item_points(definition, number, answer) for answer in range(first, last + 1)]
        low, high = low + min(points), high + max(points)
    return low, high


def check_total(definition: Mapping[str, Any], total: float) -> None:
    """Raise ScoringError if a total cannot come from this instrument."""
    low, high = total_range(definition)
    if not low <= total <= high:
        raise ScoringError(f"{definition['code']} total {total:g} is outside {low:g}-{high:g}")
