"""Load the questionnaire structures shipped in assessments/instruments/*.json."""

import json
from pathlib import Path

from django.db import migrations

FOLDER = Path(__file__).resolve().parent.parent / "instruments"


def load(apps, schema_editor):
    Instrument = apps.get_model("assessments", "Instrument")
    for path in sorted(FOLDER.glob("*.json")):
        definition = json.loads(path.read_text())
        Instrument.objects.get_or_create(
            code=definition["code"], version=definition["version"],
            defaults={"definition": definition, "is_current": True},
        )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0006_instruments")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
