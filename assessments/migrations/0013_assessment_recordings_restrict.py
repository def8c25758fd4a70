import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0012_erasure'),
    ]

    operations = [
        migrations.AlterField(
            model_name='assessment',
            name='backward',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='+', to='assessments.recording'),
        ),
        migrations.AlterField(
            model_name='assessment',
            name='forward',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='+', to='assessments.recording'),
        ),
    ]
