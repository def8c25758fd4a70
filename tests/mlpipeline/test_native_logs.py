"""MediaPipe's C++ log lines stay off stderr (issue 15 item 6); everything else passes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from mlpipeline.processing.native_logs import filter_noise, split_noise

ROOT = Path(__file__).resolve().parents[2]
FEEDBACK = (
    b"W0000 00:00:1796691273.277212   10036 inference_feedback_manager.cc:114] Feedback "
    b"manager requires a model with a single signature inference. Disabling support for "
    b"feedback tensors.\n"
)
NATIVE_NOISE = ("inference_feedback_manager", "XNNPACK", "absl::InitializeLog", "W0000")


def test_the_native_info_and_warning_lines_are_dropped_and_the_rest_kept() -> None:
    errors = b"E0000 00:00:1796691273.3   10036 calculator_graph.cc:887] a real error\n"
    text = (
        b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n"
        b"WARNING: All log messages before absl::InitializeLog() is called are written to "
        b"STDERR\n" + FEEDBACK + b"CommandError: corrupt_video: damaged\n" + errors
    )
    assert filter_noise(text) == b"CommandError: corrupt_video: damaged\n" + errors
    # a C++ line written after a progress bar's text, on the same terminal line
    assert filter_noise(b"\ranalyse:  66%|######| 66%" + FEEDBACK) == b"\ranalyse:  66%|######| 66%"


def test_a_line_written_in_pieces_is_held_until_it_is_known() -> None:
    sent, held = split_noise(b"done\nINFO: ")  # TFLite writes "INFO: ", text, newline apart
    assert (sent, held) == (b"done\n", b"INFO: ")
    sent, held = split_noise(held + b"Created TensorFlow Lite XNNPACK delegate for CPU.")
    assert sent == b""
    assert split_noise(held + b"\n") == (b"", b"")
    assert split_noise(b"\ranalyse:  12%|#  | 12%") == (b"\ranalyse:  12%|#  | 12%", b"")
    assert split_noise(b"Wrong size") == (b"Wrong size", b"")


def run_python(code: str | list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("BACKTRACKER_NATIVE_LOGS", None)
    return subprocess.run(
        [sys.executable, *code] if isinstance(code, list) else [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.mark.slow
def test_analyse_video_prints_the_progress_and_result_without_mediapipe_log_lines(
    real_clips: Callable[[str], Path], tmp_path: Path
) -> None:
    """The two-person clip printed 17 W0000 lines, the XNNPACK and absl lines before."""
    clip = real_clips("sports2d_demo_two_people.mp4")
    done = run_python(
        ["manage.py", "analyse_video", str(clip), "--task", "forward", "--out", str(tmp_path)]
    )
    if "ImproperlyConfigured" in done.stderr:
        pytest.skip("Django settings are not importable here")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "back masks, quality:" in done.stdout
    assert "analyse:" in done.stderr  # the progress bar is kept
    assert "100%" in done.stderr
    for noise in NATIVE_NOISE:
        assert noise not in done.stderr


@pytest.mark.slow
def test_a_forked_worker_child_analyses_without_mediapipe_log_lines(
    real_clips: Callable[[str], Path],
) -> None:
    """As in Celery's prefork pool: the pipeline runs in a forked child; its own stderr
    output (and a native error line) still comes through."""
    clip = real_clips("sports2d_demo_two_people.mp4")
    code = textwrap.dedent(
        f"""
        import multiprocessing, os, sys
        from mlpipeline.processing.pipeline import PipelineConfig, run_pipeline

        def job():
            result = run_pipeline({str(clip)!r}, "forward", PipelineConfig())
            print("child done", len(result.frames), file=sys.stderr, flush=True)
            os.write(2, b"E0000 00:00:1.0 1 graph.cc:1] kept error\\n")
            sys.stderr.flush()

        if __name__ == "__main__":
            child = multiprocessing.get_context("fork").Process(target=job)
            child.start()
            child.join()
            sys.exit(child.exitcode)
        """
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "child done" in done.stderr
    for noise in NATIVE_NOISE:
        assert noise not in done.stderr
