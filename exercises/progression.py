"""Adherence and progression: pure rules over logged sessions (no Django).

Weeks are counted from the day the patient started the current level (day 0), so a
level change starts a fresh evaluation window. Pain is the 0-10 numeric rating scale.

- Weekly adherence = sessions logged in the week / sessions planned, capped at 1.
- Flare (-> regress one level; at the lowest level, one set fewer and a review): the
  latest session raised pain by >= ``FLARE_RISE`` points, or its pain before the session
  is >= ``FLARE_RISE`` above the baseline (mean pain before in the first week at this
  level). Two points is the usual minimal important change on a 0-10 scale.
- Progress one level: the last ``SUSTAINED_WEEKS`` complete weeks each had adherence
  >= ``ADHERENCE_TARGET``, no flare, pain stable (mean pain before in the last week
  <= baseline + ``STABLE_MARGIN``) and mean difficulty <= ``EASY_ENOUGH`` (1-5 scale).
- Otherwise hold, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from statistics import mean

FLARE_RISE = 2
ADHERENCE_TARGET = 0.8
SUSTAINED_WEEKS = 2
STABLE_MARGIN = 1.0
EASY_ENOUGH = 3.0
MIN_LEVEL, MAX_LEVEL = 1, 3

PROGRESS, REGRESS, HOLD = "progress", "regress", "hold"


@dataclass(frozen=True)
class SessionRecord:
    day: date
    pain_before: int
    pain_after: int
    difficulty: int  # 1 very easy .. 5 very hard


@dataclass(frozen=True)
class WeekAdherence:
    week: int  # 0 = the first week at this level
    start: date
    sessions: int
    planned: int
    adherence: float  # 0..1
    complete: bool  # the week has ended


@dataclass(frozen=True)
class Decision:
    action: str  # progress, regress, hold
    reason: str
    target_level: int


def weekly_adherence(sessions: Sequence[SessionRecord], *, since: date, today: date,
                     planned_per_week: int) -> list[WeekAdherence]:
    """One entry per week from ``since`` up to and including the week holding ``today``."""
    planned = max(1, planned_per_week)
    n_weeks = max(0, (today - since).days) // 7 + 1
    counts = [0] * n_weeks
    for s in sessions:
        offset = (s.day - since).days
        if offset >= 0 and offset // 7 < n_weeks:
            counts[offset // 7] += 1
    return [
        WeekAdherence(week=w, start=date.fromordinal(since.toordinal() + 7 * w),
                      sessions=counts[w], planned=planned,
                      adherence=round(min(1.0, counts[w] / planned), 3),
                      complete=(today - since).days >= 7 * (w + 1))
        for w in range(n_weeks)
    ]


def _baseline(sessions: Sequence[SessionRecord], since: date) -> float | None:
    first = [s.pain_before for s in sessions if 0 <= (s.day - since).days < 7]
    return mean(first) if first else None


def flare_reason(sessions: Sequence[SessionRecord], *, since: date) -> str | None:
    """Why the latest session counts as a pain flare, or None."""
    if not sessions:
        return None
    latest = max(sessions, key=lambda s: s.day)
    rise = latest.pain_after - latest.pain_before
    if rise >= FLARE_RISE:
        return (f"Pain flare: pain rose from {latest.pain_before} to {latest.pain_after}/10 "
                f"during the session on {latest.day.isoformat()}.")
    baseline = _baseline(sessions, since)
    if baseline is not None and latest.pain_before >= baseline + FLARE_RISE:
        return (f"Pain flare: pain before the session on {latest.day.isoformat()} was "
                f"{latest.pain_before}/10, {latest.pain_before - baseline:.1f} above the "
                f"baseline of {baseline:.1f}.")
    return None


def decide(sessions: Sequence[SessionRecord], *, level: int, since: date, today: date,
           planned_per_week: int) -> Decision:
    """Progress, regress or hold one level, with the reason a physiotherapist reads."""
    relevant = [s for s in sessions if s.day >= since]
    flare = flare_reason(relevant, since=since)
    if flare:
        if level > MIN_LEVEL:
            return Decision(REGRESS, f"{flare} Back to level {level - 1}.", level - 1)
        return Decision(REGRESS, f"{flare} Already at the lowest level: one set fewer; "
                                 "please review.", level)
    weeks = [w for w in weekly_adherence(relevant, since=since, today=today,
                                         planned_per_week=planned_per_week) if w.complete]
    if len(weeks) < SUSTAINED_WEEKS:
        return Decision(HOLD, f"Fewer than {SUSTAINED_WEEKS} complete weeks at level "
                              f"{level} so far.", level)
    recent = weeks[-SUSTAINED_WEEKS:]
    low = [w for w in recent if w.adherence < ADHERENCE_TARGET]
    if low:
        worst = min(w.adherence for w in low)
        return Decision(HOLD, f"Adherence {worst:.0%} is below the {ADHERENCE_TARGET:.0%} "
                              f"target in the last {SUSTAINED_WEEKS} weeks.", level)
    baseline = _baseline(relevant, since) or 0.0
    last_start = recent[-1].start
    last_week = [s for s in relevant if 0 <= (s.day - last_start).days < 7]
    last_pain = mean(s.pain_before for s in last_week)
    if last_pain > baseline + STABLE_MARGIN:
        return Decision(HOLD, f"Pain is not stable: {last_pain:.1f}/10 last week against "
                              f"{baseline:.1f} at the start of level {level}.", level)
    difficulty = mean(s.difficulty for s in last_week)
    if difficulty > EASY_ENOUGH:
        return Decision(HOLD, f"The exercises still feel hard (difficulty {difficulty:.1f}/5).",
                        level)
    if level >= MAX_LEVEL:
        return Decision(HOLD, f"Sustained adherence with stable pain at the top level "
                              f"({level}); consider discharge planning.", level)
    return Decision(PROGRESS, f"{SUSTAINED_WEEKS} weeks with adherence >= "
                              f"{ADHERENCE_TARGET:.0%}, stable pain ({last_pain:.1f}/10) and "
                              f"manageable difficulty: up to level {level + 1}.", level + 1)
