from importlib import import_module

from django.db import migrations, models

append_only = import_module("assessments.migrations.0011_access_log_append_only")


def reinstall_sqlite_trigger(apps, schema_editor):
    """SQLite adds this column by rebuilding the table, which drops its trigger."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(append_only.SQLITE_BACKWARD)
        schema_editor.execute(append_only.SQLITE_FORWARD)


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0013_assessment_recordings_restrict'),
    ]

    operations = [
        migrations.AddField(
            model_name='accessevent',
            name='request_id',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(reinstall_sqlite_trigger, migrations.RunPython.noop),
    ]
