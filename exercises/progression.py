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

Caseload flags (what a physiotherapist should look at; ``today`` is the clinic's date):

- Poor adherence: the approved programme has run for at least ``ADHERENCE_WINDOW_WEEKS``
  complete weeks, and over the last ``ADHERENCE_WINDOW_WEEKS`` complete weeks (today
  excluded: today's session may still come) the sessions logged, each week capped at the
  plan, are fewer than ``ADHERENCE_TARGET`` of those planned.
- Pain flare: in the last ``FLARE_WINDOW_DAYS`` days (today included) a session raised
  pain by >= ``FLARE_RISE`` points, or pain before or after a session was >= ``HIGH_PAIN``,
  or the mean pain before sessions is >= ``FLARE_RISE`` above the mean of the
  ``FLARE_WINDOW_DAYS`` days before that.

exercises.selectors.caseload_flags computes the same two flags in SQL for a whole caseload
(a test checks that both agree); the functions here give the reason shown to a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import mean

FLARE_RISE = 2
ADHERENCE_TARGET = 0.8
SUSTAINED_WEEKS = 2
STABLE_MARGIN = 1.0
EASY_ENOUGH = 3.0
MIN_LEVEL, MAX_LEVEL = 1, 3
ADHERENCE_WINDOW_WEEKS = 2
FLARE_WINDOW_DAYS = 7
HIGH_PAIN = 7  # 0-10 scale: 7 and above is the usual "severe" band

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


# --- Caseload flags -----------------------------------------------------------------------


def adherence_window(today: date) -> tuple[date, date]:
    """First and last day of the complete weeks the adherence flag looks at."""
    return today - timedelta(days=7 * ADHERENCE_WINDOW_WEEKS), today - timedelta(days=1)


def poor_adherence(sessions: Sequence[SessionRecord], *, planned_per_week: int,
                   approved_on: date, today: date) -> str | None:
    """Why adherence to the approved programme counts as poor, or None."""
    start, end = adherence_window(today)
    if approved_on > start:
        return None  # not running long enough to judge
    weeks = weekly_adherence(sessions, since=start, today=end,
                             planned_per_week=planned_per_week)
    planned = sum(w.planned for w in weeks)
    done = sum(min(w.sessions, w.planned) for w in weeks)
    if done >= ADHERENCE_TARGET * planned:
        return None
    return (f"Poor adherence: {done} of {planned} planned sessions in the last "
            f"{ADHERENCE_WINDOW_WEEKS} weeks (target {ADHERENCE_TARGET:.0%}).")


def flare_windows(today: date) -> tuple[date, date]:
    """First day of the recent window and first day of the one before it."""
    recent = today - timedelta(days=FLARE_WINDOW_DAYS - 1)
    return recent, recent - timedelta(days=FLARE_WINDOW_DAYS)


def pain_flare(sessions: Sequence[SessionRecord], *, today: date) -> str | None:
    """Why the patient's recent sessions count as a pain flare, or None."""
    recent_start, previous_start = flare_windows(today)
    recent = sorted((s for s in sessions if recent_start <= s.day <= today),
                    key=lambda s: s.day, reverse=True)
    previous = [s for s in sessions if previous_start <= s.day < recent_start]
    for s in recent:
        if s.pain_after - s.pain_before >= FLARE_RISE:
            return (f"Pain flare: pain rose from {s.pain_before} to {s.pain_after}/10 "
                    f"during the session on {s.day.isoformat()}.")
    for s in recent:
        if max(s.pain_before, s.pain_after) >= HIGH_PAIN:
            return (f"Pain flare: pain of {max(s.pain_before, s.pain_after)}/10 in the "
                    f"session on {s.day.isoformat()}.")
    if recent and previous:
        # Compared as integers (means cross-multiplied) so that SQL gives the same answer.
        now, before = sum(s.pain_before for s in recent), sum(s.pain_before for s in previous)
        if now * len(previous) >= (before + FLARE_RISE * len(previous)) * len(recent):
            return (f"Pain flare: pain before sessions averaged {now / len(recent):.1f}/10 "
                    f"in the last {FLARE_WINDOW_DAYS} days against "
                    f"{before / len(previous):.1f} the {FLARE_WINDOW_DAYS} days before.")
    return None
