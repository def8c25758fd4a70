"""The caseload's "poor adherence" and "pain flare" rules: pure, and their SQL twin."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assessments.models import Patient
from exercises import progression as pr
from exercises.models import Programme, SessionLog
from exercises.progression import SessionRecord
from exercises.selectors import caseload_flags
from tests.factories import PatientFactory

TODAY = date(2026, 3, 30)  # a Monday


def session(days_ago: int, before: int = 3, after: int | None = None) -> SessionRecord:
    return SessionRecord(day=TODAY - timedelta(days=days_ago), pain_before=before,
                         pain_after=before if after is None else after, difficulty=3)


def poor(sessions: list[SessionRecord], *, planned: int = 5, running_days: int = 30
         ) -> str | None:
    return pr.poor_adherence(sessions, planned_per_week=planned,
                             approved_on=TODAY - timedelta(days=running_days), today=TODAY)


# --- Poor adherence -----------------------------------------------------------------------


def test_adherence_below_target_over_the_last_two_weeks_is_poor() -> None:
    sessions = [session(d) for d in (1, 2, 3, 4, 8, 9, 10)]  # 7 of 10
    reason = poor(sessions)
    assert reason is not None
    assert "7 of 10" in reason


def test_adherence_on_target_is_not_poor() -> None:
    assert poor([session(d) for d in (1, 2, 3, 4, 8, 9, 10, 11)]) is None  # 8 of 10


def test_each_week_counts_at_most_the_plan() -> None:
    # Ten sessions in the first week make up for nothing in the second.
    sessions = [session(8 + d % 7) for d in range(10)]
    assert "5 of 10" in poor(sessions)


def test_today_and_older_sessions_do_not_count() -> None:
    sessions = [session(0) for _ in range(10)] + [session(15) for _ in range(10)]
    assert "0 of 10" in poor(sessions)


def test_a_programme_younger_than_two_weeks_is_not_judged() -> None:
    assert poor([], running_days=13) is None
    assert poor([], running_days=14) is not None


def test_the_plan_is_the_programmes_sessions_per_week() -> None:
    sessions = [session(d) for d in (2, 4, 9, 11)]  # two a week
    assert poor(sessions, planned=2) is None
    assert "4 of 6" in poor(sessions, planned=3)


# --- Pain flare ---------------------------------------------------------------------------


def test_pain_rising_during_a_recent_session_is_a_flare() -> None:
    reason = pr.pain_flare([session(3, before=2, after=4)], today=TODAY)
    assert reason is not None
    assert "from 2 to 4" in reason


def test_a_rise_of_one_point_or_an_old_rise_is_not() -> None:
    assert pr.pain_flare([session(3, before=2, after=3)], today=TODAY) is None
    assert pr.pain_flare([session(7, before=2, after=6)], today=TODAY) is None


def test_severe_pain_in_the_last_week_is_a_flare() -> None:
    assert "7/10" in pr.pain_flare([session(6, before=7, after=6)], today=TODAY)
    assert pr.pain_flare([session(6, before=6, after=6)], today=TODAY) is None


def test_mean_pain_two_points_above_the_week_before_is_a_flare() -> None:
    earlier = [session(8, before=2), session(10, before=3)]  # mean 2.5
    assert pr.pain_flare([*earlier, session(1, before=4), session(2, before=5)],
                         today=TODAY) is not None  # mean 4.5
    assert pr.pain_flare([*earlier, session(1, before=4), session(2, before=4)],
                         today=TODAY) is None  # mean 4.0
    assert pr.pain_flare([session(1, before=5)], today=TODAY) is None  # nothing to compare


def test_a_future_dated_session_is_ignored() -> None:
    assert pr.pain_flare([session(-1, before=1, after=9)], today=TODAY) is None


# --- The SQL twin agrees with the rules ---------------------------------------------------

sessions_strategy = st.lists(
    st.tuples(st.integers(-2, 22), st.integers(0, 10), st.integers(0, 10)), max_size=24)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(logged=sessions_strategy, days=st.sets(st.integers(0, 6)),
       approved_days_ago=st.integers(0, 30), approved=st.booleans())
# The edges: mean pain exactly two points up; severe pain before a session only;
# adherence exactly on target; a busy first week that must not make up for an empty second.
@example(logged=[(8, 2, 2), (10, 3, 3), (1, 4, 4), (2, 5, 5)], days={0}, approved_days_ago=3,
         approved=True)
@example(logged=[(1, 8, 5)], days={0}, approved_days_ago=3, approved=True)
@example(logged=[(d, 1, 1) for d in (1, 2, 3, 4, 8, 9, 10, 11)], days={0, 1, 2, 3, 4},
         approved_days_ago=14, approved=True)
@example(logged=[(8 + d % 7, 1, 1) for d in range(10)], days={0, 1, 2, 3, 4},
         approved_days_ago=20, approved=True)
def test_the_caseload_query_flags_exactly_what_the_rules_say(
        logged, days, approved_days_ago, approved) -> None:
    approved_on = TODAY - timedelta(days=approved_days_ago)
    with transaction.atomic():
        patient = PatientFactory()
        programme = Programme.objects.create(
            patient=patient, phenotype="FP", probability=0.9, confidence=0.9,
            status=Programme.Status.APPROVED if approved else Programme.Status.DRAFT,
            schedule_days=sorted(days), level_started_on=approved_on,
            approved_at=datetime.combine(approved_on, time(12), tzinfo=UTC) if approved
            else None)
        SessionLog.objects.bulk_create([
            SessionLog(programme=programme, patient=patient,
                       performed_on=TODAY - timedelta(days=ago), pain_before=before,
                       pain_after=after, difficulty=3)
            for ago, before, after in logged])
        flags = Patient.objects.filter(pk=patient.pk).annotate(**caseload_flags(TODAY)) \
            .values_list("poor_adherence", "pain_flare").get()
        transaction.set_rollback(True)
    records = [session(ago, before, after) for ago, before, after in logged]
    expected_poor = approved and pr.poor_adherence(
        records, planned_per_week=programme.sessions_per_week, approved_on=approved_on,
        today=TODAY) is not None
    expected_flare = pr.pain_flare(records, today=TODAY) is not None
    assert flags == (expected_poor, expected_flare)
