"""run_pipeline wiring: backends, which frames each stage sees, progress, errors, command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from mlpipeline.processing.errors import ModelUnavailable, PipelineError, VideoRejected
from mlpipeline.processing.output import write_outputs
from mlpipeline.processing.pipeline import PipelineConfig, run_pipeline
from mlpipeline.processing.pose import PoseEstimate
from mlpipeline.processing.sam import SamSegmenter
from mlpipeline.video.probe import MESSAGES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def room_clip(make_video: Callable[..., Path]) -> Path:
    """3 s, 320x240, textured static background (the fake models ignore the pixels)."""
    rng = np.random.default_rng(0)
    background = (rng.random((240, 320, 3)) * 200 + 30).astype(np.uint8)
    return make_video("room.mp4", [background] * 90)


def test_onnx_backends_run_segmentation_only_on_kept_frames(
    room_clip: Path,
    hrnet_onnx: tuple[Path, dict[str, np.ndarray]],
    sam_onnx: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    segmented: list[int] = []
    original = SamSegmenter.segment

    def counting_segment(self: SamSegmenter, image: np.ndarray, keypoints: np.ndarray):  # type: ignore[no-untyped-def]
        segmented.append(image.shape[0])
        return original(self, image, keypoints)

    monkeypatch.setattr(SamSegmenter, "segment", counting_segment)
    encoder, decoder = sam_onnx
    config = PipelineConfig(
        pose_backend="higherhrnet",
        segmenter="sam",
        higherhrnet_path=str(hrnet_onnx[0]),
        sam_encoder_path=str(encoder),
        sam_decoder_path=str(decoder),
        analysis_fps=5,
        max_masks=4,
        keep_silhouettes=True,
    )
    stages: list[tuple[str, float]] = []
    result = run_pipeline(room_clip, "forward", config, lambda s, p: stages.append((s, p)))
    assert len(result.frames) == 15  # 3 s at 5 per second
    assert all(f.person for f in result.frames)
    thetas = [f.theta for f in result.frames]
    assert all(theta is not None and theta < 5 for theta in thetas)  # the fake patient stands
    assert len(segmented) == 4 == len(result.back_masks)  # SAM only on the kept frames
    assert {m.frame for m in result.back_masks} <= {f.index for f in result.frames}
    assert result.silhouettes is not None
    assert len(result.silhouettes) == 4
    assert "multiple_people" in {i.code for i in result.qc.issues}  # the fake shows two
    percents = [p for _, p in stages]
    assert percents == sorted(percents)
    assert stages[0][0] == "probe"
    assert percents[-1] == 100
    assert {"analyse", "features", "segment"} <= {s for s, _ in stages}


def test_mediapipe_pipeline_writes_the_design_format(room_clip: Path, tmp_path: Path) -> None:
    result = run_pipeline(room_clip, "backward", PipelineConfig(analysis_fps=5))
    assert not any(f.person for f in result.frames)  # an empty room
    assert [i.code for i in result.qc.issues][-1] == "no_person"
    path = write_outputs(result, tmp_path / "out", silhouettes=True)
    document = json.loads(path.read_text())
    assert document["fps"] == pytest.approx(30)
    assert all(f["theta"] is None for f in document["frames"])
    assert document["masks"] == []
    assert document["qc"]["ok"] is False
    with np.load(tmp_path / "out" / "silhouettes.npz") as npz:
        assert npz["masks"].shape == (0, 240, 320)


def test_rejections_are_permanent_errors(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"<html></html>")
    with pytest.raises(VideoRejected) as info:
        run_pipeline(junk, "forward")
    assert isinstance(info.value, PipelineError)
    assert info.value.code == "not_a_video"
    with pytest.raises(ValueError, match="task"):
        run_pipeline(junk, "sideways")


def test_missing_operator_models_are_permanent_errors(room_clip: Path) -> None:
    with pytest.raises(ModelUnavailable) as info:
        run_pipeline(room_clip, "forward", PipelineConfig(pose_backend="higherhrnet"))
    assert info.value.code == "pose_model_missing"


def test_command_function_exits_2_and_writes_nothing_for_bad_input(tmp_path: Path) -> None:
    django = pytest.importorskip("django")
    assert django
    from django.core.management.base import CommandError

    from mlpipeline.management.commands.analyse_video import run_command

    junk = tmp_path / "clip.mp4"
    junk.write_bytes(os.urandom(4096))
    out = tmp_path / "out"
    with pytest.raises(CommandError) as info:
        run_command(junk, "forward", out, PipelineConfig(), progress=False)
    assert info.value.returncode == 2
    assert str(info.value).startswith("not_a_video: ")
    assert not out.exists()
    with pytest.raises(CommandError) as info:
        run_command(tmp_path / "absent.mp4", "forward", out, PipelineConfig(), progress=False)
    assert info.value.returncode == 2
    assert not out.exists()


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "manage.py", "analyse_video", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_manage_py_analyse_video(real_clips: Callable[[str], Path], tmp_path: Path) -> None:
    junk = tmp_path / "playlist.mp4"
    junk.write_text("#EXTM3U\n#EXTINF:1,\n/etc/passwd\n")
    rejected = manage(str(junk), "--task", "forward", "--out", str(tmp_path / "bad"))
    if "ImproperlyConfigured" in rejected.stderr or "ModuleNotFoundError" in rejected.stderr:
        pytest.skip("Django settings are not importable here")
    assert rejected.returncode == 2
    last_line = rejected.stderr.strip().splitlines()[-1]
    assert last_line == f"CommandError: playlist_file: {MESSAGES['playlist_file']}"
    assert not (tmp_path / "bad").exists()

    out = tmp_path / "good"
    clip = real_clips("pose2sim_balancing_cam03.mp4")
    done = manage(str(clip), "--task", "forward", "--out", str(out), "--silhouettes", "--overlay")
    assert done.returncode == 0, done.stderr[-2000:]
    document = json.loads((out / "features.json").read_text())
    assert len(list((out / "masks").glob("*.png"))) == len(document["masks"]) > 0
    assert (out / "silhouettes.npz").exists()
    assert (out / "overlay.mp4").stat().st_size > 1000


def test_the_pipeline_modules_do_not_import_django() -> None:
    code = (
        "import sys, mlpipeline.processing.output, mlpipeline.processing.overlay, "
        "mlpipeline.processing.sam, mlpipeline.processing.higherhrnet, mlpipeline.video.probe; "
        "assert 'django' not in sys.modules, 'django imported'"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT, timeout=120)


def test_a_failing_stage_stops_the_decoding_thread(
    room_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import time

    import mlpipeline.processing.pipeline as pipeline_module

    class BrokenPose:
        name = "broken"
        calls = 0

        def estimate(self, image: np.ndarray) -> PoseEstimate:
            BrokenPose.calls += 1
            if BrokenPose.calls == 3:
                raise RuntimeError("model crashed")
            return PoseEstimate.empty()

        def close(self) -> None:
            pass

    monkeypatch.setattr(pipeline_module, "make_pose_backend", lambda *a, **k: BrokenPose())
    with pytest.raises(RuntimeError, match="model crashed"):
        run_pipeline(room_clip, "forward", PipelineConfig(analysis_fps=30))
    deadline = time.monotonic() + 5
    while any(t.name == "decode" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.name == "decode" for t in threading.enumerate())
