"""Every model records the pipeline version of its training masks (issue 15 item 4).

Models registered before this were trained on masks of the constant pipeline version "1".
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("classifier", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="modelversion",
            name="pipeline_version",
            field=models.CharField(default="1", max_length=20),
            preserve_default=False,
        ),
    ]
