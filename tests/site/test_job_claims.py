"""Claiming a job: exactly one runner, takeover from a dead process, bounded attempts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading

import pytest
from django.conf import settings
from django.db import connection

from assessments.models import DataExport
from backtracker_site.jobs import job_claim
from backtracker_site.models import JobStatus
from tests.factories import PatientFactory

HOST = socket.gethostname()


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def running_export(claimed_by: str, attempts: int = 1) -> DataExport:
    return DataExport.objects.create(patient=PatientFactory(), status=JobStatus.RUNNING,
                                     claimed_by=claimed_by, attempts=attempts)


@pytest.mark.django_db
def test_a_job_is_claimed_once() -> None:
    export = DataExport.objects.create(patient=PatientFactory())
    assert job_claim(DataExport, export.pk) is True
    assert job_claim(DataExport, export.pk) is False
    export.refresh_from_db()
    assert export.status == JobStatus.RUNNING
    assert export.attempts == 1
    assert export.claimed_by == f"{HOST}:{os.getpid()}"


@pytest.mark.django_db
def test_a_redelivery_takes_over_from_a_dead_process_on_this_host() -> None:
    export = running_export(f"{HOST}:{dead_pid()}")
    assert job_claim(DataExport, export.pk) is True
    export.refresh_from_db()
    assert export.attempts == 2


@pytest.mark.django_db
@pytest.mark.parametrize("holder", [f"{HOST}:{os.getppid()}", "other-host:12345"])
def test_a_live_or_remote_holder_keeps_its_job(holder: str) -> None:
    export = running_export(holder)
    assert job_claim(DataExport, export.pk) is False


@pytest.mark.django_db
def test_no_claim_after_the_last_attempt() -> None:
    export = DataExport.objects.create(patient=PatientFactory(),
                                       attempts=settings.MAX_JOB_ATTEMPTS)
    assert job_claim(DataExport, export.pk) is False
    dead = running_export(f"{HOST}:{dead_pid()}", attempts=settings.MAX_JOB_ATTEMPTS)
    assert job_claim(DataExport, dead.pk) is False


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_have_one_winner() -> None:
    export = DataExport.objects.create(patient=PatientFactory())
    barrier = threading.Barrier(6)
    wins: list[bool] = []

    def claim() -> None:
        barrier.wait()
        wins.append(job_claim(DataExport, export.pk))
        connection.close()

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wins.count(True) == 1
