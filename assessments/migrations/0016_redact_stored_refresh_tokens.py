from django.db import migrations


def redact(apps, schema_editor):
    """Refresh tokens kept before issue 18 row 6 are blanked: only the jti is needed."""
    OutstandingToken = apps.get_model("token_blacklist", "OutstandingToken")
    OutstandingToken.objects.exclude(token="").update(token="")


class Migration(migrations.Migration):

    dependencies = [
        ("assessments", "0015_user_activated_at"),
        ("token_blacklist", "0013_alter_blacklistedtoken_options_and_more"),
    ]

    operations = [migrations.RunPython(redact, migrations.RunPython.noop)]
