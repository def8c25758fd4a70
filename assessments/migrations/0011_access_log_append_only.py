import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# PostgreSQL refuses every UPDATE and DELETE of an access log row (TRUNCATE, a deliberate
# administrator's act, still works and is what test databases use to reset).
POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION assessments_accessevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER assessments_accessevent_append_only
    BEFORE UPDATE OR DELETE ON assessments_accessevent
    FOR EACH ROW EXECUTE FUNCTION assessments_accessevent_append_only();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS assessments_accessevent_append_only ON assessments_accessevent;
DROP FUNCTION IF EXISTS assessments_accessevent_append_only();
"""
# SQLite (the embedded default) refuses updates; deletes stay possible because Django's
# flush empties tables with DELETE there.
SQLITE_FORWARD = """
CREATE TRIGGER assessments_accessevent_append_only
    BEFORE UPDATE ON assessments_accessevent
    BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS assessments_accessevent_append_only;"


def add_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0010_recording_requests'),
    ]

    operations = [
        migrations.AddField(
            model_name='accessevent',
            name='object_id',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='accessevent',
            name='object_type',
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AlterField(
            model_name='accessevent',
            name='actor',
            field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
