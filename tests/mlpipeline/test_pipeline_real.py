"""The whole pipeline on real footage of people (shared/data/real, see its README)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from mlpipeline.processing.backmasks import montage
from mlpipeline.processing.output import write_outputs
from mlpipeline.processing.pipeline import PipelineConfig, PipelineResult, run_pipeline

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def analyse(real_clips: Callable[[str], Path]) -> Callable[..., PipelineResult]:
    """`analyse(name, fps, **config)`; each clip and setting is analysed once per module."""
    cache: dict[tuple[object, ...], PipelineResult] = {}

    def _analyse(name: str, fps: float, **kwargs: object) -> PipelineResult:
        key = (name, fps, *sorted(kwargs.items()))
        if key not in cache:
            config = PipelineConfig(analysis_fps=fps, **kwargs)  # type: ignore[arg-type]
            cache[key] = run_pipeline(real_clips(name), "forward", config)
        return cache[key]

    return _analyse


def png_chunk_types(content: bytes) -> set[bytes]:
    kinds, offset = set(), 8
    while offset + 8 <= len(content):
        length = int.from_bytes(content[offset:offset + 4], "big")
        kinds.add(content[offset + 4:offset + 8])
        offset += 12 + length
    return kinds


def codes(result: PipelineResult) -> set[str]:
    return {issue.code for issue in result.qc.issues}


def test_oblique_sagittal_lean_is_found_and_plausible(
    analyse: Callable[..., PipelineResult], artefacts_dir: Path
) -> None:
    result = analyse("pose2sim_balancing_cam03.mp4", 15)
    assert np.mean([f.person for f in result.frames]) >= 0.95
    thetas = np.array([f.theta for f in result.frames if f.theta is not None])
    assert len(thetas) >= 0.9 * len(result.frames)
    assert thetas[:3].max() < 10  # standing at the start
    assert 35 < thetas.max() < 90  # the trunk lean (the raw per-frame peak is ~67 deg)
    assert len(result.repetitions) == 1
    assert {"no_person", "person_lost", "out_of_frame", "camera_moving", "too_dark"}.isdisjoint(
        codes(result)
    )
    assert len(result.back_masks) == len(thetas)
    sheet = montage([m.mask for m in result.back_masks], columns=9)
    cv2.imwrite(str(artefacts_dir / "real_cam03_back_masks.png"), sheet)


def test_frontal_view_is_flagged_as_not_side_on(analyse: Callable[..., PipelineResult]) -> None:
    assert "not_side_on" in codes(analyse("pose2sim_balancing_cam04.mp4", 15))


def test_walking_clip_out_of_frame_moments_are_flagged_not_read_as_bending(
    analyse: Callable[..., PipelineResult],
) -> None:
    result = analyse("sports2d_demo4_walk_sagittal.mp4", 5)
    outside = [f for f in result.frames if f.out_of_frame]
    assert outside, "the body is partly out of frame at both edges of the clip"
    assert all(f.theta is None for f in outside)
    assert "out_of_frame" in codes(result)
    thetas = [f.theta for f in result.frames if f.theta is not None]
    assert max(thetas) < 25  # an upright walker: no false bend of 33-45 deg
    assert "not_side_on" not in codes(result)
    assert "range_too_small" in codes(result)  # walking is not a forward bend


def test_outputs_follow_the_design_format(
    analyse: Callable[..., PipelineResult], tmp_path: Path
) -> None:
    result = analyse("pose2sim_balancing_cam03.mp4", 10, keep_silhouettes=True)
    features_path = write_outputs(result, tmp_path, silhouettes=True)
    document = json.loads(features_path.read_text())
    assert document["fps"] == pytest.approx(60)
    frame = document["frames"][0]
    assert {"index", "t", "theta", "keypoints"} <= set(frame)
    assert set(frame["keypoints"]) == {"neck", "hip", "ankle"}
    assert len(frame["keypoints"]["hip"]) == 3
    assert 0 < frame["keypoints"]["hip"][0] < 1088
    assert 0 < frame["keypoints"]["hip"][1] < 1920
    assert set(document["motion_features"]) == {
        "mean",
        "range",
        "min",
        "max",
        "variance",
        "sd",
        "stability_time",
        "depth_variance",
        "repetition_time",
        "repetition_time_variance",
    }
    assert set(document["qc"]) == {"ok", "issues"}
    assert all(set(i) == {"code", "message"} for i in document["qc"]["issues"])
    assert document["masks"]
    for entry in document["masks"]:
        image = cv2.imread(str(tmp_path / entry["file"]), cv2.IMREAD_GRAYSCALE)
        assert image.shape == (128, 128)
        assert set(np.unique(image)) <= {0, 255}
        assert {"frame", "theta"} <= set(entry)
    with np.load(tmp_path / "silhouettes.npz") as npz:
        masks = npz["masks"]
        assert masks.dtype == bool
        assert masks.shape[1:] == (1920, 1088)
        assert len(masks) == len(npz["frames"]) == len(document["frames"])
        assert 0.02 < masks.mean() < 0.3


def test_a_second_person_in_view_is_flagged(
    real_clips: Callable[[str], Path], make_video: Callable[..., Path]
) -> None:
    """Two real people side by side (the two balancing clips next to each other)."""
    halves = []
    for name in ("pose2sim_balancing_cam03.mp4", "pose2sim_balancing_cam04.mp4"):
        with av.open(str(real_clips(name))) as box:
            halves.append(
                [f.to_ndarray(width=272, height=480, format="rgb24") for f in box.decode(video=0)]
            )
    frames = [np.concatenate(pair, axis=1) for pair in zip(*halves, strict=False)][:60]
    clip = make_video("two_people.mp4", frames, fps=30)
    config = PipelineConfig(analysis_fps=10, people_check_fps=5)
    result = run_pipeline(clip, "forward", config)
    assert "multiple_people" in codes(result)


def test_derivatives_carry_no_location_or_other_metadata(real_clips, tmp_path: Path) -> None:
    """A phone writes where a clip was filmed into the MP4; nothing derived may keep it."""
    tagged = tmp_path / "tagged.mp4"
    with av.open(str(real_clips("sports2d_demo4_walk_sagittal.mp4"))) as source, \
            av.open(str(tagged), "w", format="mp4") as target:
        target.metadata["location"] = "+48.8583+002.2945/"
        target.metadata["comment"] = "filmed at home by Jane Example"
        stream = target.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(source.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                target.mux(packet)
    with av.open(str(tagged)) as check:
        assert check.metadata.get("location") == "+48.8583+002.2945/"  # the test is real

    result = run_pipeline(tagged, "forward", PipelineConfig(analysis_fps=5))
    write_outputs(result, tmp_path / "out")

    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert any(p.suffix == ".png" for p in written)
    for path in written:
        content = path.read_bytes()
        assert b"48.8583" not in content, path.name
        assert b"Jane Example" not in content, path.name
        if path.suffix == ".png":
            assert not {b"tEXt", b"iTXt", b"zTXt", b"eXIf"} & png_chunk_types(content), path
