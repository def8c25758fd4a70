"""Adherence and progression rules (pure, no database)."""

from __future__ import annotations

from datetime import date, timedelta

from exercises import progression as pr
from exercises.progression import SessionRecord

START = date(2026, 3, 2)  # a Monday


def week_of(week: int, days: int, *, pain: int = 3, after: int | None = None,
            difficulty: int = 3) -> list[SessionRecord]:
    return [SessionRecord(day=START + timedelta(days=7 * week + d), pain_before=pain,
                          pain_after=pain if after is None else after, difficulty=difficulty)
            for d in range(days)]


def decide(sessions: list[SessionRecord], *, level: int = 1, today_offset: int = 14
           ) -> pr.Decision:
    return pr.decide(sessions, level=level, since=START,
                     today=START + timedelta(days=today_offset), planned_per_week=5)


def test_weekly_adherence_counts_sessions_per_week_and_caps_at_one() -> None:
    sessions = [*week_of(0, 4), *week_of(1, 7), *week_of(2, 1)]
    weeks = pr.weekly_adherence(sessions, since=START, today=START + timedelta(days=15),
                                planned_per_week=5)
    assert [w.sessions for w in weeks] == [4, 7, 1]
    assert [w.adherence for w in weeks] == [0.8, 1.0, 0.2]
    assert [w.complete for w in weeks] == [True, True, False]
    assert weeks[1].start == START + timedelta(days=7)


def test_weekly_adherence_ignores_sessions_before_the_level_started() -> None:
    early = SessionRecord(day=START - timedelta(days=1), pain_before=2, pain_after=2,
                          difficulty=2)
    weeks = pr.weekly_adherence([early], since=START, today=START, planned_per_week=3)
    assert [w.sessions for w in weeks] == [0]


def test_it_progresses_after_two_adherent_weeks_with_stable_pain() -> None:
    decision = decide([*week_of(0, 5), *week_of(1, 4, pain=4)])
    assert decision.action == pr.PROGRESS
    assert decision.target_level == 2
    assert "adherence" in decision.reason
    assert "level 2" in decision.reason


def test_it_holds_before_two_complete_weeks() -> None:
    decision = decide(week_of(0, 5), today_offset=10)
    assert decision.action == pr.HOLD
    assert "complete weeks" in decision.reason


def test_it_holds_when_adherence_is_low() -> None:
    decision = decide([*week_of(0, 5), *week_of(1, 3)])
    assert (decision.action, decision.target_level) == (pr.HOLD, 1)
    assert "60%" in decision.reason


def test_it_holds_when_pain_creeps_up() -> None:
    calmer_start = [SessionRecord(day=START, pain_before=1, pain_after=1, difficulty=3),
                    *week_of(0, 5, pain=2)[1:]]  # baseline 1.8
    decision = decide([*calmer_start, *week_of(1, 5, pain=3)])
    assert decision.action == pr.HOLD
    assert "not stable" in decision.reason


def test_it_holds_while_the_exercises_feel_hard() -> None:
    decision = decide([*week_of(0, 5), *week_of(1, 5, difficulty=5)])
    assert decision.action == pr.HOLD
    assert "hard" in decision.reason


def test_it_holds_at_the_top_level() -> None:
    decision = decide([*week_of(0, 5), *week_of(1, 5)], level=pr.MAX_LEVEL)
    assert (decision.action, decision.target_level) == (pr.HOLD, pr.MAX_LEVEL)


def test_a_pain_rise_during_a_session_regresses_one_level() -> None:
    sessions = [*week_of(0, 5), *week_of(1, 4),
                SessionRecord(day=START + timedelta(days=12), pain_before=3, pain_after=6,
                              difficulty=3)]
    decision = decide(sessions, level=2)
    assert (decision.action, decision.target_level) == (pr.REGRESS, 1)
    assert "rose from 3 to 6/10" in decision.reason
    assert "level 1" in decision.reason


def test_pain_well_above_baseline_is_a_flare() -> None:
    sessions = [*week_of(0, 5, pain=2),
                SessionRecord(day=START + timedelta(days=8), pain_before=5, pain_after=5,
                              difficulty=3)]
    decision = decide(sessions, level=3, today_offset=8)
    assert (decision.action, decision.target_level) == (pr.REGRESS, 2)
    assert "above the baseline" in decision.reason


def test_a_flare_at_the_lowest_level_keeps_the_level_and_asks_for_review() -> None:
    sessions = [SessionRecord(day=START, pain_before=2, pain_after=5, difficulty=4)]
    decision = decide(sessions, level=1, today_offset=0)
    assert (decision.action, decision.target_level) == (pr.REGRESS, 1)
    assert "review" in decision.reason


def test_a_flare_is_judged_on_the_latest_session_only() -> None:
    earlier_flare = SessionRecord(day=START, pain_before=2, pain_after=6, difficulty=3)
    decision = decide([earlier_flare, *week_of(0, 5)[1:], *week_of(1, 5)], level=2)
    assert decision.action == pr.PROGRESS
