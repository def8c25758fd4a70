"""Publish version 1 of the consent texts, so a fresh installation can register patients.

A clinic replaces them by publishing a new version in the admin; existing consents keep
pointing at the version the patient agreed to.
"""

import hashlib

from django.db import migrations
from django.utils import timezone

CARE_TEXT = (
    "I agree that BackTracker stores and analyses the videos I record, my questionnaire "
    "answers and my profile in order to assess my back movement and to let my "
    "physiotherapist review the result and build my exercise programme. I can withdraw "
    "this agreement at any time in the app; my physiotherapist is told, and no new "
    "analysis is done."
)
TRAINING_TEXT = (
    "I agree that my recordings, questionnaire answers and my physiotherapist's "
    "classification may be used, without my name, to train and check the models that "
    "classify movement patterns. This is optional and does not affect my care. If I "
    "withdraw, my data is left out of every model trained afterwards."
)


def publish(apps, schema_editor):
    ConsentDocument = apps.get_model("assessments", "ConsentDocument")
    for purpose, text in (("care", CARE_TEXT), ("model_training", TRAINING_TEXT)):
        ConsentDocument.objects.get_or_create(
            purpose=purpose,
            version="1",
            defaults={
                "text": text,
                "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
                "published_at": timezone.now(),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]
    operations = [migrations.RunPython(publish, migrations.RunPython.noop)]
