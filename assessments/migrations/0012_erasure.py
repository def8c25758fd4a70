import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0011_access_log_append_only'),
    ]

    operations = [
        migrations.CreateModel(
            name='Erasure',
            fields=[
                ('status', models.CharField(choices=[('pending', 'Waiting for input'), ('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], db_index=True, default='queued', max_length=16)),
                ('queued_at', models.DateTimeField(auto_now_add=True)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('claimed_by', models.CharField(blank=True, max_length=200)),
                ('stage', models.CharField(blank=True, max_length=64)),
                ('percent', models.PositiveSmallIntegerField(default=0)),
                ('error_code', models.CharField(blank=True, max_length=64)),
                ('error_message', models.TextField(blank=True)),
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('patient_ref', models.UUIDField(db_index=True)),
                ('requested_by_role', models.CharField(max_length=20)),
                ('notify_email', models.EmailField(blank=True, max_length=254)),
                ('rows_removed', models.PositiveIntegerField(default=0)),
                ('objects_removed', models.PositiveIntegerField(default=0)),
                ('uploads_aborted', models.PositiveIntegerField(default=0)),
            ],
            options={
                'ordering': ['-queued_at'],
            },
        ),
    ]
