"""Reads for exercises, always through assessments' ``scope_to_user`` gate."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Prefetch, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from assessments.models import Patient, User
from assessments.selectors import scope_to_user
from exercises import progression
from exercises.models import Exercise, Programme, ProgrammeItem, ProgrammeVersion, SessionLog


def exercises_active() -> QuerySet[Exercise]:
    """The library as patients and clinicians browse it (no patient data)."""
    return Exercise.objects.filter(is_active=True).select_related("progression", "regression")


def programmes_for_user(user: User) -> QuerySet[Programme]:
    """Programmes the user may see; patients see only their approved ones.

    The rule is deliberately simple: a programme reaches the patient only after a
    physiotherapist has approved it (provisional and draft ones never do).
    """
    queryset = scope_to_user(
        Programme.objects.select_related("patient", "created_by", "approved_by")
        .prefetch_related(Prefetch("items",
                                   queryset=ProgrammeItem.objects.select_related("exercise"))),
        user, patient_path="patient",
    )
    if user.is_authenticated and user.is_patient:
        queryset = queryset.filter(status=Programme.Status.APPROVED)
    return queryset


def programme_versions(programme: Programme) -> QuerySet[ProgrammeVersion]:
    return programme.versions.select_related("changed_by").order_by("-number")


def sessions_for_user(user: User) -> QuerySet[SessionLog]:
    return scope_to_user(SessionLog.objects.prefetch_related("exercises__exercise"), user,
                         patient_path="patient")


# --- Caseload flags (rules: exercises.progression) ------------------------------------------
#
# Written as SQL rather than ORM expressions: the caseload page builds this query on every
# request, and Django resolving and compiling the equivalent nested subqueries cost more
# CPU than running them. tests/exercises/test_caseload_flags.py checks that both flags say
# exactly what the rules in exercises.progression say.


def _flag(sql: str, **params: Any) -> RawSQL:
    """A boolean annotation for a Patient queryset from SQL with %(name)s placeholders.

    Table names come from the models: ``{patient}`` is the outer query's patient row.
    """
    names = re.findall(r"%\((\w+)\)s", sql)
    sql = re.sub(r"%\(\w+\)s", "%s", sql).format(
        patient=Patient._meta.db_table, programme=Programme._meta.db_table,
        session=SessionLog._meta.db_table,
        json_length="JSONB_ARRAY_LENGTH" if connection.vendor == "postgresql"
        else "JSON_ARRAY_LENGTH")
    return RawSQL(sql, [params[name] for name in names], output_field=BooleanField())


def poor_adherence_flag(today: date) -> RawSQL:
    """SQL twin of progression.poor_adherence."""
    start, end = progression.adherence_window(today)
    weeks = range(progression.ADHERENCE_WINDOW_WEEKS)
    counts = ",\n".join(
        f"SUM(CASE WHEN s.performed_on BETWEEN %(first_{w})s AND %(last_{w})s THEN 1 ELSE 0 END)"
        f" AS week_{w}" for w in weeks)
    capped = " + ".join(f"(CASE WHEN a.week_{w} < a.planned THEN a.week_{w} ELSE a.planned END)"
                        for w in weeks)
    # Approved on or before ``start`` in the clinic's time zone.
    approved_before = timezone.make_aware(datetime.combine(start + timedelta(days=1), time()))
    return _flag(
        f"""EXISTS (SELECT 1 FROM (
              SELECT CASE WHEN {{json_length}}(p.schedule_days) > 1
                          THEN {{json_length}}(p.schedule_days) ELSE 1 END AS planned,
                     {counts}
              FROM {{programme}} p
              LEFT JOIN {{session}} s ON s.programme_id = p.id
                AND s.performed_on BETWEEN %(start)s AND %(end)s
              WHERE p.patient_id = {{patient}}.id AND p.status = %(approved)s
                AND p.approved_at < %(approved_before)s
              GROUP BY p.id) a
            WHERE {capped} < %(target)s * a.planned)""",
        start=start, end=end, approved=Programme.Status.APPROVED,
        approved_before=connection.ops.adapt_datetimefield_value(approved_before),
        target=progression.ADHERENCE_TARGET * progression.ADHERENCE_WINDOW_WEEKS,
        **{f"first_{w}": start + timedelta(days=7 * w) for w in weeks},
        **{f"last_{w}": start + timedelta(days=7 * w + 6) for w in weeks})


def pain_flare_flag(today: date) -> RawSQL:
    """SQL twin of progression.pain_flare."""
    recent, previous = progression.flare_windows(today)
    return _flag(
        """EXISTS (SELECT 1 FROM {session} s
              WHERE s.patient_id = {patient}.id
                AND s.performed_on BETWEEN %(recent)s AND %(today)s
                AND (s.pain_after - s.pain_before >= %(rise)s
                     OR s.pain_before >= %(high)s OR s.pain_after >= %(high)s))
           OR EXISTS (SELECT 1 FROM (
              SELECT SUM(CASE WHEN s.performed_on >= %(recent)s THEN 1 ELSE 0 END) AS n_now,
                     SUM(CASE WHEN s.performed_on >= %(recent)s THEN s.pain_before ELSE 0 END)
                       AS pain_now,
                     SUM(CASE WHEN s.performed_on < %(recent)s THEN 1 ELSE 0 END) AS n_before,
                     SUM(CASE WHEN s.performed_on < %(recent)s THEN s.pain_before ELSE 0 END)
                       AS pain_before
              FROM {session} s
              WHERE s.patient_id = {patient}.id
                AND s.performed_on BETWEEN %(previous)s AND %(today)s) w
            WHERE w.n_now > 0 AND w.n_before > 0
              AND w.pain_now * w.n_before >= (w.pain_before + %(rise)s * w.n_before) * w.n_now)""",
        recent=recent, previous=previous, today=today, rise=progression.FLARE_RISE,
        high=progression.HIGH_PAIN)


def caseload_flags(today: date) -> dict[str, RawSQL]:
    """Annotations adding ``poor_adherence`` and ``pain_flare`` to a Patient queryset."""
    return {"poor_adherence": poor_adherence_flag(today), "pain_flare": pain_flare_flag(today)}
