"""Recordings analysed by a real worker from object storage, also when the worker dies."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from assessments.models import Recording
from backtracker_site.models import JobStatus
from mlpipeline.models import FeatureSet
from tests.services import wait_until
from tests.videos import REAL_DIR

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    pytest.mark.services,
    pytest.mark.slow,
]

CLIP = "pose2sim_balancing_cam03.mp4"


def cohort_with_real_clip(folder: Path, participants: int = 1) -> Path:
    """A cohort folder whose forward bends are a real clip of a person leaning forward."""
    source = REAL_DIR / CLIP
    assert source.exists(), f"{source} is needed for this test"
    (folder / "videos").mkdir(parents=True)
    lines = ["participant_id,group,forward_video,backward_video,vas"]
    for number in range(participants):
        shutil.copy(source, folder / "videos" / f"p{number}.mp4")
        lines.append(f"p{number},{'FP' if number % 2 else 'EP'},videos/p{number}.mp4,,30")
    (folder / "cohort.csv").write_text("\n".join(lines) + "\n")
    return folder


def child_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def test_import_then_processing_on_s3_with_a_real_worker(
    tmp_path, s3_storage, start_worker
) -> None:
    client, bucket = s3_storage
    start_worker()
    call_command("import_cohort", str(cohort_with_real_clip(tmp_path / "real")))
    recording = Recording.objects.get()
    done = wait_until(
        lambda: Recording.objects.filter(
            pk=recording.pk, status__in=[JobStatus.DONE, JobStatus.FAILED]
        ).first(),
        timeout=240,
    )
    assert done.status == JobStatus.DONE, (done.error_code, done.error_message)
    assert done.attempts == 1
    features = FeatureSet.objects.get(recording=recording)
    assert features.frame_count > 0
    assert features.prefix.startswith(f"patients/{recording.patient_id}/recordings/")
    keys = {item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert features.features_key in keys
    assert sum(key.startswith(features.prefix + "masks/") for key in keys) == features.mask_count
    with default_storage.open(features.features_key) as handle:
        document = json.load(handle)
    assert document["fps"] > 0
    assert any(frame["theta"] is not None for frame in document["frames"])


def test_a_killed_pool_child_is_redelivered_and_finishes_exactly_once(
    tmp_path, start_worker
) -> None:
    worker = start_worker()
    call_command("import_cohort", str(cohort_with_real_clip(tmp_path / "real")))
    recording = Recording.objects.get()
    wait_until(
        lambda: Recording.objects.filter(
            pk=recording.pk, status=JobStatus.RUNNING, stage="analyse"
        ).exists(),
        timeout=120,
        interval=0.05,
    )
    for child in child_pids(worker.process.pid):
        os.kill(child, signal.SIGKILL)
    done = wait_until(
        lambda: Recording.objects.filter(
            pk=recording.pk, status__in=[JobStatus.DONE, JobStatus.FAILED]
        ).first(),
        timeout=240,
    )
    assert done.status == JobStatus.DONE, (done.error_code, done.error_message)
    assert done.attempts == 2
    assert FeatureSet.objects.filter(recording=recording).count() == 1
    assert "SIGKILL" in worker.output() or "signal 9" in worker.output()


def test_an_invalid_video_fails_once_with_a_reason_and_is_not_retried(
    tmp_path, start_worker
) -> None:
    start_worker()
    folder = tmp_path / "bad"
    (folder / "videos").mkdir(parents=True)
    (folder / "videos" / "p0.mp4").write_bytes(b"<html><body>not a video</body></html>")
    (folder / "cohort.csv").write_text(
        "participant_id,group,forward_video,backward_video\np0,FP,videos/p0.mp4,\n"
    )
    call_command("import_cohort", str(folder))
    failed = wait_until(
        lambda: Recording.objects.filter(status=JobStatus.FAILED).first(), timeout=120
    )
    assert failed.attempts == 1
    assert failed.error_code
    assert "video" in failed.error_message.lower()
