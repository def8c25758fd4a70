"""Decoding runs in a child process under a memory cap and time caps: a decoder that
passes a cap ends with a reason code, and the worker goes on (issue 18)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from mlpipeline.processing.errors import VideoRejected
from mlpipeline.video.decode import iter_frames, iter_frames_in_process
from mlpipeline.video.sandbox import DecodeLimits, iter_frames_sandboxed


def child_pids() -> list[int]:
    me = os.getpid()
    return [int(pid) for pid in Path(f"/proc/{me}/task/{me}/children").read_text().split()]


def test_the_sandbox_gives_the_same_frames_as_decoding_here(small_clip: Path) -> None:
    wanted = lambda index, t: index % 7 == 0  # noqa: E731
    here = list(iter_frames_in_process(small_clip, wanted=wanted))
    there = list(iter_frames_sandboxed(small_clip, wanted=wanted))
    assert [(f.index, f.t) for f in here] == [(f.index, f.t) for f in there]
    for a, b in zip(here, there, strict=True):
        assert (a.image is None) == (b.image is None)
        if a.image is not None:
            assert np.array_equal(a.image, b.image)
    assert child_pids() == []  # the decoder process is gone


@pytest.mark.parametrize(("threads", "memory_mb"), [(0, 24), (1, 60)])
def test_a_decoder_that_passes_the_memory_cap_is_stopped_cleanly(
    make_video: Callable[..., Path], threads: int, memory_mb: int
) -> None:
    """A 4K frame needs about 12 MB as YUV and 25 MB as RGB, plus the codec's buffers:
    with a small cap the codec cannot start (threads) or a frame cannot be converted."""
    big = make_video("big.mp4", [np.full((2160, 3840, 3), 90, np.uint8)] * 2)
    assert next(iter_frames_in_process(big, max_long_side=3840)).image is not None
    with pytest.raises(VideoRejected) as caught:
        list(iter_frames_sandboxed(big, max_long_side=3840, threads=threads,
                                   limits=DecodeLimits(memory_mb=memory_mb)))
    assert caught.value.code == "decode_memory"
    assert "memory" in caught.value.message
    assert child_pids() == []
    # The worker goes on: the next video decodes.
    assert next(iter_frames(big, max_long_side=320)).image.shape == (180, 320, 3)


def test_a_decoder_that_hangs_is_killed_after_the_wall_clock_cap(tmp_path: Path) -> None:
    stuck = tmp_path / "stuck.mp4"
    os.mkfifo(stuck)  # opening it waits for a writer that never comes
    started = time.monotonic()
    with pytest.raises(VideoRejected) as caught:
        list(iter_frames_sandboxed(stuck, limits=DecodeLimits(stall_seconds=2)))
    assert caught.value.code == "decode_timeout"
    assert time.monotonic() - started < 10
    assert child_pids() == []


def test_a_decoder_crash_is_a_rejected_video_not_a_dead_worker(small_clip: Path) -> None:
    def crash(index: int, t: float) -> bool:
        if index == 5:
            for pid in child_pids():
                os.kill(pid, signal.SIGSEGV)
            time.sleep(0.2)
        return True

    with pytest.raises(VideoRejected) as caught:
        list(iter_frames_sandboxed(small_clip, wanted=crash))
    assert caught.value.code == "corrupt_video"
    assert str(-signal.SIGSEGV) in caught.value.detail


def test_limits_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("VIDEO_DECODE_MEMORY_MB", "300")
    monkeypatch.setenv("VIDEO_DECODE_STALL_SECONDS", "5")
    assert DecodeLimits.from_env() == DecodeLimits(memory_mb=300, stall_seconds=5.0)


@pytest.mark.django_db
def test_a_recording_whose_decoding_passes_the_cap_fails_with_a_reason(
    small_clip: Path, monkeypatch
) -> None:
    """End to end in the worker's code: the job ends FAILED with the reason code and a
    message for the patient; nothing is raised to Celery (no retry of a permanent failure)."""
    from django.core.files.storage import default_storage

    from assessments.models import Recording
    from assessments.storage_keys import recording_source_key
    from backtracker_site.models import JobStatus
    from mlpipeline.services import recording_analyse
    from tests.factories import PatientFactory

    patient = PatientFactory()
    recording = Recording(patient=patient, task="forward", status=JobStatus.QUEUED,
                          size_bytes=small_clip.stat().st_size)
    recording.source_key = recording_source_key(patient_id=patient.id,
                                                recording_id=recording.id)
    with open(small_clip, "rb") as handle:
        default_storage.save(recording.source_key, handle)
    recording.save()
    monkeypatch.setenv("VIDEO_DECODE_MEMORY_MB", "1")
    recording_analyse(recording_id=recording.pk)
    recording.refresh_from_db()
    assert recording.status == JobStatus.FAILED
    assert recording.error_code == "decode_memory"
    assert "memory" in recording.error_message
    assert child_pids() == []
