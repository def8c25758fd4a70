"""BlazePose lite/full/heavy: pinned files, the npm install step, selection (issue 15 item 3)."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

from mlpipeline.processing import pose_models
from mlpipeline.processing.errors import ModelUnavailable
from mlpipeline.processing.pipeline import PipelineConfig, run_pipeline
from mlpipeline.processing.pose import MediaPipePose, make_pose_backend
from mlpipeline.processing.pose_models import (
    POSE_MODELS,
    InstallError,
    install,
    model_problem,
    require_model,
)


def needs(name: str) -> None:
    problem = model_problem(name)
    if problem:
        pytest.skip(f"the npm model is absent here: {problem}")


@pytest.fixture(scope="module")
def frame(real_clips: Callable[[str], Path]) -> np.ndarray:
    """One upright RGB frame of a real person (the oblique-sagittal balancing clip)."""
    with av.open(str(real_clips("pose2sim_balancing_cam03.mp4"))) as box:
        for n, decoded in enumerate(box.decode(video=0)):
            if n == 10:
                return decoded.to_ndarray(format="rgb24", width=360, height=640)
    raise AssertionError("clip too short")


@pytest.mark.parametrize(("name", "complexity"), [("lite", 0), ("full", 1), ("heavy", 2)])
def test_each_pose_model_runs_offline_with_its_own_landmark_file(
    name: str, complexity: int, frame: np.ndarray
) -> None:
    needs(name)
    pose = make_pose_backend("mediapipe", model=name, with_mask=True)
    try:
        assert isinstance(pose, MediaPipePose)
        assert pose.model == name
        assert pose._options["model_complexity"] == complexity
        estimate = pose.estimate(frame)
    finally:
        pose.close()
    assert estimate.keypoints[:, 2].max() > 0.5  # a person found
    assert estimate.mask is not None
    assert POSE_MODELS[name].landmark.relative.endswith(f"pose_landmark_{name}.tflite")


def test_the_three_models_give_different_landmarks(frame: np.ndarray) -> None:
    """Lite, full and heavy are really different networks, not one file three times."""
    for name in POSE_MODELS:
        needs(name)
    points = {}
    for name in POSE_MODELS:
        pose = MediaPipePose(model=name, with_mask=False)
        try:
            points[name] = pose.estimate(frame).keypoints[:, :2]
        finally:
            pose.close()
    assert not np.allclose(points["lite"], points["full"])
    assert not np.allclose(points["heavy"], points["full"])


def test_the_pipeline_passes_its_pose_model_to_the_backend(
    small_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    needs("lite")
    seen: list[str] = []
    original = MediaPipePose.__init__

    def spy(self: MediaPipePose, **kwargs: object) -> None:
        seen.append(str(kwargs["model"]))
        original(self, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(MediaPipePose, "__init__", spy)
    result = run_pipeline(small_clip, "forward", PipelineConfig(pose_model="lite"))
    assert seen == ["lite"]
    assert PipelineConfig().pose_model == "full"  # the default stays full
    assert result.config.pose_model == "lite"


def test_a_missing_model_is_a_permanent_error_not_a_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pose_models, "mediapipe_dir", lambda: tmp_path)
    with pytest.raises(ModelUnavailable) as info:
        MediaPipePose(model="heavy")
    assert info.value.code == "pose_model_missing"
    assert "make install" in info.value.message
    assert "@mediapipe/pose@0.5.1675469404" in info.value.message
    with pytest.raises(ValueError, match="lite"):
        require_model("huge")


def test_analyse_video_offers_pose_model_lite_full_heavy() -> None:
    pytest.importorskip("django")
    from mlpipeline.management.commands.analyse_video import Command

    parser = Command().create_parser("manage.py", "analyse_video")
    base = ["clip.mp4", "--task", "forward", "--out", "out"]
    assert parser.parse_args(base).pose_model == "full"
    for name in ("lite", "full", "heavy"):
        assert parser.parse_args([*base, "--pose-model", name]).pose_model == name
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="invalid choice: 'huge'"):
        parser.parse_args([*base, "--pose-model", "huge"])


def fake_npm(tmp_path: Path, contents: dict[str, bytes]) -> Path:
    """An `npm` whose `pack` writes a tarball holding `contents` into --pack-destination."""
    tarball = tmp_path / "pose.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        for name, data in contents.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    script = tmp_path / "npm"
    script.write_text(
        '#!/bin/sh\nwhile [ "$1" != "--pack-destination" ]; do shift; done\n'
        f'cp {tarball} "$2/mediapipe-pose-0.5.1675469404.tgz"\n'
    )
    script.chmod(0o755)
    return script


def test_install_refuses_files_whose_hash_is_not_the_pinned_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "mediapipe"
    (root / "modules" / "pose_landmark").mkdir(parents=True)
    npm = fake_npm(
        tmp_path, {"pose_landmark_lite.tflite": b"x", "pose_landmark_heavy.tflite": b"y"}
    )
    with pytest.raises(InstallError, match="integrity"):
        install(npm=str(npm), root=root, quiet=True)
    tarball = (tmp_path / "pose.tgz").read_bytes()
    digest = hashlib.sha512(tarball).digest()
    monkeypatch.setattr(pose_models, "NPM_INTEGRITY", "sha512-" + base64.b64encode(digest).decode())
    with pytest.raises(InstallError, match="pinned"):
        install(npm=str(npm), root=root, quiet=True)
    assert not list((root / "modules" / "pose_landmark").iterdir())  # nothing installed


def test_install_without_npm_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pose_models.shutil, "which", lambda name: None)
    with pytest.raises(InstallError) as info:
        install(root=tmp_path)
    message = str(info.value)
    assert "npm is not installed" in message
    assert "apt-get install -y npm" in message
    assert "BACKTRACKER_SKIP_POSE_MODELS=1" in message


def test_install_is_a_no_op_when_the_pinned_files_are_there() -> None:
    needs("lite")
    needs("heavy")
    assert install(npm="/nonexistent/npm", quiet=True) == []
