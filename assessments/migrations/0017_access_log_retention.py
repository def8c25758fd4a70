"""Access-log retention: the one sanctioned way rows leave (issue 18).

On PostgreSQL the append-only trigger now lets a DELETE through only inside
``assessments_accessevent_purge(retention_days)``: a SECURITY DEFINER function owned by
the tables' owner that removes entries older than the retention period (never fewer than
MIN_RETENTION_DAYS), writes one entry saying how many it removed, and returns the count.
The trigger checks both a transaction-local flag that only the function sets and that the
statement runs as the table's owner, so the application's role (which must not own the
tables: see ``manage.py app_role_grants``) can neither delete rows nor disable the trigger.
"""

from django.db import migrations

MIN_RETENTION_DAYS = 365

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION assessments_accessevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('backtracker.access_log_purge', true) = 'on'
       AND current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class
                           WHERE oid = TG_RELID) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the access log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION assessments_accessevent_purge(retention_days integer)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    cutoff timestamptz;
    removed bigint;
BEGIN
    IF retention_days IS NULL OR retention_days < {MIN_RETENTION_DAYS} THEN
        RAISE EXCEPTION 'the access log is kept at least {MIN_RETENTION_DAYS} days';
    END IF;
    cutoff := now() - make_interval(days => retention_days);
    PERFORM set_config('backtracker.access_log_purge', 'on', true);
    DELETE FROM assessments_accessevent WHERE at < cutoff;
    GET DIAGNOSTICS removed = ROW_COUNT;
    PERFORM set_config('backtracker.access_log_purge', 'off', true);
    INSERT INTO assessments_accessevent
        (actor_id, role, patient_id, object_type, object_id, action, outcome, path,
         request_id, ip_address, at)
    VALUES (NULL, 'system', NULL, 'accessevent', removed::text,
            'purge entries before ' || to_char(cutoff AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
            'allowed', 'assessments_accessevent_purge', '', NULL, now());
    RETURN removed;
END;
$$;
REVOKE ALL ON FUNCTION assessments_accessevent_purge(integer) FROM PUBLIC;
"""

POSTGRES_BACKWARD = """
DROP FUNCTION IF EXISTS assessments_accessevent_purge(integer);
CREATE OR REPLACE FUNCTION assessments_accessevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only';
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)


class Migration(migrations.Migration):

    dependencies = [
        ("assessments", "0016_redact_stored_refresh_tokens"),
    ]

    operations = [migrations.RunPython(forward, backward)]
