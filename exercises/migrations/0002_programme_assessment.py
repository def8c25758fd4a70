import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0012_erasure'),
        ('exercises', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='programme',
            name='assessment',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='programmes', to='assessments.assessment'),
        ),
    ]
