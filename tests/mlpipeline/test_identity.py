"""The pipeline version is derived from what shapes the output (issue 15 item 4)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from mlpipeline.processing import pose_models
from mlpipeline.processing.identity import CODE_REVISION, pipeline_identity, pipeline_version
from mlpipeline.processing.output import write_outputs
from mlpipeline.processing.pipeline import PipelineConfig, run_pipeline

BASE = PipelineConfig()


def test_the_version_is_short_stable_and_not_the_old_constant() -> None:
    version = pipeline_version(BASE)
    assert re.fullmatch(rf"{CODE_REVISION}-[0-9a-f]{{12}}", version)
    assert len(version) <= 20  # FeatureSet/ModelVersion.pipeline_version
    assert version != "1"
    assert pipeline_version(PipelineConfig()) == version


@pytest.mark.parametrize(
    "change",
    [
        {"pose_model": "heavy"},
        {"pose_model": "lite"},
        {"analysis_fps": 30.0},
        {"mask_size": 224},
        {"mask_margin": 0.2},
        {"work_long_side": 960},
        {"smoothing_hz": 2.5},
        {"max_masks": 80},
        {"segmenter": "sam"},
        {"pose_backend": "higherhrnet"},
    ],
)
def test_what_shapes_the_output_changes_the_version(change: dict) -> None:
    assert pipeline_version(replace(BASE, **change)) != pipeline_version(BASE)


def test_what_does_not_shape_the_output_leaves_it() -> None:
    same = replace(BASE, keep_silhouettes=True, onnx_threads=2)
    assert pipeline_version(same) == pipeline_version(BASE)


def test_a_different_model_file_is_a_different_version(tmp_path: Path) -> None:
    first, second = tmp_path / "a.onnx", tmp_path / "b.onnx"
    first.write_bytes(b"weights one")
    second.write_bytes(b"weights two")
    hrnet = replace(BASE, pose_backend="higherhrnet", segmenter="sam")
    a = replace(hrnet, higherhrnet_path=str(first))
    b = replace(hrnet, higherhrnet_path=str(second))
    assert pipeline_version(a) != pipeline_version(b)
    moved = tmp_path / "elsewhere.onnx"
    moved.write_bytes(b"weights one")  # the same file under another path: same version
    assert pipeline_version(replace(hrnet, higherhrnet_path=str(moved))) == pipeline_version(a)


def test_the_blazepose_files_are_hashed(monkeypatch: pytest.MonkeyPatch) -> None:
    identity = pipeline_identity(BASE)
    files = identity["pose"]["files"]
    full = pose_models.POSE_MODELS["full"].landmark
    assert files[full.name] == full.sha256
    assert files[pose_models.DETECTOR.name] == pose_models.DETECTOR.sha256
    before = pipeline_version(BASE)
    monkeypatch.setattr(
        "mlpipeline.processing.identity.model_hashes",
        lambda name: {**files, full.name: "0" * 64},
    )
    assert pipeline_version(BASE) != before


def test_every_result_and_features_json_carry_the_version(small_clip: Path, tmp_path: Path) -> None:
    config = PipelineConfig(analysis_fps=5)
    result = run_pipeline(small_clip, "forward", config)
    assert result.version == pipeline_version(config)
    document = json.loads(write_outputs(result, tmp_path).read_text())
    assert document["pipeline_version"] == result.version
    assert document["pipeline"]["pose"]["model"] == "full"
    assert document["pipeline"]["settings"]["analysis_fps"] == 5
