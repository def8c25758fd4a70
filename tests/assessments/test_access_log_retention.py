"""Access-log retention (issue 18): a documented period, a purge that is the one way
entries leave and is itself logged, and an application role that cannot get around the
append-only trigger (PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from assessments.audit import MIN_RETENTION_DAYS, access_log_purge
from assessments.models import AccessEvent
from assessments.models.audit import AppendOnlyError
from backtracker_site.db_roles import app_role_grants_sql

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="roles and triggers are PostgreSQL's")


def entry(days_ago: int, action: str = "GET retrieve") -> None:
    """An entry written `days_ago` (the model stamps `at` itself, so plain SQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO assessments_accessevent (role, patient_id, object_type, object_id, "
            "action, outcome, path, request_id, at) VALUES ('physiotherapist', %s, 'patient', "
            "'', %s, 'allowed', '/x', '', %s)",
            [uuid.uuid4().hex, action, timezone.now() - timedelta(days=days_ago)])


def test_the_retention_period_is_documented_and_long_enough() -> None:
    assert settings.ACCESS_LOG_RETENTION_DAYS >= MIN_RETENTION_DAYS
    assert "purge-access-log" in settings.CELERY_BEAT_SCHEDULE
    readme = (settings.BASE_DIR / "README.md").read_text()
    assert "ACCESS_LOG_RETENTION_DAYS" in readme


def test_the_purge_removes_only_expired_entries_and_logs_itself() -> None:
    retention = settings.ACCESS_LOG_RETENTION_DAYS
    entry(retention + 30, "expired")
    entry(retention + 1, "expired")
    entry(retention - 1, "kept")
    entry(0, "kept")
    assert access_log_purge() == 2
    assert sorted(AccessEvent.objects.exclude(role="system").values_list("action", flat=True)) \
        == ["kept", "kept"]
    purge = AccessEvent.objects.get(role="system")
    assert purge.object_id == "2"
    assert purge.action.startswith("purge entries before ")
    # Running it again removes nothing and says so.
    assert access_log_purge() == 0
    assert AccessEvent.objects.filter(role="system").count() == 2


def test_the_purge_refuses_a_period_below_the_floor() -> None:
    entry(MIN_RETENTION_DAYS - 10)
    with pytest.raises((DatabaseError, ValueError)), transaction.atomic():
        access_log_purge(retention_days=30)
    assert AccessEvent.objects.count() == 1


def test_outside_the_purge_entries_still_cannot_be_removed() -> None:
    entry(10_000)
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.all().delete()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM assessments_accessevent")
    assert AccessEvent.objects.count() == 1


def test_the_grants_command_prints_the_statements() -> None:
    out = StringIO()
    call_command("app_role_grants", "backtracker_app", stdout=out)
    text = out.getvalue()
    assert 'REVOKE UPDATE, DELETE, TRUNCATE ON assessments_accessevent FROM "backtracker_app"' \
        in text
    assert "GRANT EXECUTE ON FUNCTION assessments_accessevent_purge(integer)" in text


@postgres_only
def test_the_application_role_cannot_get_around_the_trigger() -> None:
    """Run as a role granted exactly what the README says: it reads and writes the
    application's tables, but cannot delete, update or truncate the log, nor disable or
    drop its trigger; the purge function still works for it."""
    role = f"bt_app_{uuid.uuid4().hex[:8]}"  # created inside the test's transaction
    entry(settings.ACCESS_LOG_RETENTION_DAYS + 5)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN')
        for statement in app_role_grants_sql(role):
            cursor.execute(statement)
        cursor.execute(f'SET ROLE "{role}"')
        try:
            cursor.execute("SELECT count(*) FROM assessments_accessevent")
            assert cursor.fetchone()[0] == 1
            cursor.execute("SELECT count(*) FROM assessments_user")  # the rest of the app
            refused = [
                "DELETE FROM assessments_accessevent",
                "UPDATE assessments_accessevent SET action = 'x'",
                "TRUNCATE assessments_accessevent",
                "ALTER TABLE assessments_accessevent DISABLE TRIGGER ALL",
                "ALTER TABLE assessments_accessevent DISABLE TRIGGER "
                "assessments_accessevent_append_only",
                "DROP TRIGGER assessments_accessevent_append_only ON assessments_accessevent",
                "CREATE OR REPLACE FUNCTION assessments_accessevent_append_only() RETURNS "
                "trigger AS $$ BEGIN RETURN OLD; END; $$ LANGUAGE plpgsql",
                "ALTER TABLE assessments_accessevent OWNER TO CURRENT_USER",
            ]
            cursor.execute("SELECT set_config('backtracker.access_log_purge', 'on', false)")
            for statement in refused:
                with pytest.raises(DatabaseError), transaction.atomic():
                    cursor.execute(statement)
            cursor.execute(
                "INSERT INTO assessments_accessevent (role, object_type, object_id, action, "
                "outcome, path, request_id, at) VALUES ('patient', '', '', 'GET list', "
                "'allowed', '/y', '', now())")
            cursor.execute("SELECT assessments_accessevent_purge(%s)",
                           [settings.ACCESS_LOG_RETENTION_DAYS])
            assert cursor.fetchone()[0] == 1
        finally:
            cursor.execute("RESET ROLE")
    assert AccessEvent.objects.filter(role="system").count() == 1
    assert AccessEvent.objects.filter(action="GET list").count() == 1
