"""Background work through the real broker and a real worker process (no eager mode)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from assessments.models import DataExport
from assessments.services import data_export_request
from backtracker_site.jobs import reconcile_queued_work
from backtracker_site.models import JobStatus
from tests.factories import PatientFactory, bearer
from tests.services import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services, pytest.mark.slow]


def queue_length(name: str) -> int:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL).llen(name)


def test_a_task_enqueued_on_commit_reaches_the_worker_and_changes_the_database(
    api_client, celery_worker
) -> None:
    patient = PatientFactory()
    response = api_client.post("/api/v1/exports", {"patient": str(patient.id)}, format="json",
                               **bearer(patient.user))
    assert response.status_code == 202
    export_id = response.json()["id"]
    done = wait_until(lambda: DataExport.objects.filter(pk=export_id,
                                                        status=JobStatus.DONE).first())
    assert done.attempts == 1
    with default_storage.open(done.file_key, "rb") as handle:
        exported = json.load(handle)
    assert exported["patient"]["id"] == str(patient.id)
    download = api_client.get(f"/api/v1/exports/{export_id}/download", **bearer(patient.user))
    assert download.status_code == 200
    assert json.loads(b"".join(download.streaming_content))["account"]["email"] \
        == patient.user.email


def test_nothing_is_enqueued_when_the_transaction_rolls_back() -> None:
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    patient = PatientFactory()

    def request_then_fail() -> None:
        with transaction.atomic():
            data_export_request(patient=patient, requested_by=patient.user)
            raise RuntimeError("something failed after the request was recorded")

    with pytest.raises(RuntimeError):
        request_then_fail()
    assert not DataExport.objects.exists()
    assert queue_length("default") == 0


def test_task_messages_carry_ids_only() -> None:
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    patient = PatientFactory(user__first_name="Marker-Firstname", user__email="marker@example.org")
    with transaction.atomic():
        export = data_export_request(patient=patient, requested_by=patient.user)
    raw = redis.Redis.from_url(settings.CELERY_BROKER_URL).lrange("default", 0, -1)
    assert len(raw) == 1
    message = raw[0].decode()
    assert str(export.id) in message
    assert "Marker" not in message
    assert "marker@example.org" not in message


def test_work_left_queued_by_a_broker_outage_is_reconciled_exactly_once(celery_worker) -> None:
    patient = PatientFactory()
    # As if the broker was down when the request was recorded: a row, but no message.
    export = DataExport.objects.create(patient=patient, requested_by=patient.user)
    DataExport.objects.filter(pk=export.pk).update(
        queued_at=timezone.now() - timedelta(seconds=settings.RECONCILE_AFTER_SECONDS + 5)
    )
    resent = reconcile_queued_work()
    assert resent["assessments.DataExport"] == 1
    assert reconcile_queued_work()["assessments.DataExport"] == 0  # not sent twice
    done = wait_until(lambda: DataExport.objects.filter(pk=export.pk,
                                                        status=JobStatus.DONE).first())
    assert done.attempts == 1


def test_a_job_whose_worker_died_is_queued_again_then_given_up() -> None:
    patient = PatientFactory()
    export = DataExport.objects.create(patient=patient, status=JobStatus.RUNNING, attempts=1)
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    DataExport.objects.filter(pk=export.pk).update(started_at=long_ago)
    reconcile_queued_work()
    export.refresh_from_db()
    assert export.status == JobStatus.QUEUED
    DataExport.objects.filter(pk=export.pk).update(
        status=JobStatus.RUNNING, started_at=long_ago, attempts=settings.MAX_JOB_ATTEMPTS)
    reconcile_queued_work()
    export.refresh_from_db()
    assert export.status == JobStatus.FAILED
    assert export.error_code == "worker_lost"
