"""Pose backends and keypoint-series cleaning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlpipeline.processing.errors import ModelUnavailable
from mlpipeline.processing.higherhrnet import HigherHRNetPose, group_people, letterbox
from mlpipeline.processing.pose import (
    KEYPOINTS,
    body_points,
    clean_keypoint_series,
    make_pose_backend,
    runs_of_true,
)


def test_higherhrnet_finds_the_patient_among_two_people(
    hrnet_onnx: tuple[Path, dict[str, np.ndarray]],
) -> None:
    path, truth = hrnet_onnx
    backend = make_pose_backend("higherhrnet", model_path=str(path))
    estimate = backend.estimate(np.zeros((192, 256, 3), np.uint8))
    assert estimate.people == 2
    assert estimate.keypoints.shape == (len(KEYPOINTS), 3)
    np.testing.assert_allclose(estimate.keypoints[:17, :2], truth["patient"], atol=1.5)
    assert (estimate.keypoints[:17, 2] > 0.5).all()
    assert (estimate.keypoints[17:, 2] == 0).all()  # no feet in COCO
    # the same patient is followed in the next frame
    again = backend.estimate(np.zeros((192, 256, 3), np.uint8))
    np.testing.assert_allclose(again.keypoints[:17, :2], truth["patient"], atol=1.5)


def test_higherhrnet_reports_a_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable):
        HigherHRNetPose(str(tmp_path / "absent.onnx"))
    with pytest.raises(ModelUnavailable):
        make_pose_backend("higherhrnet", model_path=None)


def test_grouping_separates_people_by_tag() -> None:
    heat = np.zeros((17, 40, 40), np.float32)
    tags = np.zeros((17, 40, 40), np.float32)
    for j in range(17):
        heat[j, 5 + j, 5], tags[j, 5 + j, 5] = 0.9, 0.1
        heat[j, 5 + j, 30], tags[j, 5 + j, 30] = 0.8, 2.2
    people = group_people(heat, tags)
    assert len(people) == 2
    xs = sorted(round(float(p[:, 0].mean())) for p in people)
    assert xs == [5, 30]


def test_letterbox_fits_the_image_into_the_fixed_input() -> None:
    tensor, box = letterbox(np.zeros((100, 200, 3), np.uint8), (256, 256))
    assert tensor.shape == (1, 3, 256, 256)
    assert box.scale == pytest.approx(1.28)
    assert box.offset_x == 0
    assert box.offset_y == 64
    tensor, box = letterbox(np.zeros((300, 200, 3), np.uint8), None)
    assert tensor.shape[2] % 64 == 0
    assert tensor.shape[3] % 64 == 0
    assert min(tensor.shape[2:]) == 512


def test_cleaning_interpolates_short_gaps_and_marks_long_ones() -> None:
    t = np.arange(60) / 10.0
    keypoints = np.zeros((60, len(KEYPOINTS), 3), np.float32)
    keypoints[..., 0] = (t * 10)[:, None]
    keypoints[..., 1] = 50.0
    keypoints[..., 2] = 0.9
    keypoints[10:13, :, 2] = 0.1  # 0.3 s gap: interpolated
    keypoints[30:45, :, 2] = 0.1  # 1.5 s gap: left missing
    clean = clean_keypoint_series(keypoints, t, max_gap_s=0.4)
    assert clean.filled[10:13].all()
    assert not clean.filled[30:45].any()
    assert np.isnan(clean.xy[30:45]).all()
    np.testing.assert_allclose(clean.xy[5:25, 0, 0], t[5:25] * 10, atol=0.2)


def test_cleaning_removes_jitter_without_lag() -> None:
    t = np.arange(200) / 30.0
    signal = 100 + 40 * np.sin(2 * np.pi * 0.3 * t)
    noisy = signal + np.random.default_rng(1).normal(0, 3, t.size)
    keypoints = np.zeros((200, len(KEYPOINTS), 3), np.float32)
    keypoints[..., 0] = noisy[:, None]
    keypoints[..., 2] = 1.0
    smooth = clean_keypoint_series(keypoints, t).xy[:, 0, 0]
    assert np.abs(smooth - signal)[10:-10].mean() < 1.0
    errors = {
        lag: np.abs(smooth[20 + lag : -20 + lag] - signal[20:-20]).mean() for lag in range(-5, 6)
    }
    assert min(errors, key=errors.get) == 0  # zero phase: the best alignment needs no shift


def test_body_points_use_the_shoulder_midpoint_as_neck() -> None:
    keypoints = np.zeros((len(KEYPOINTS), 3), np.float32)
    keypoints[5] = (10, 20, 1.0)
    keypoints[6] = (30, 40, 0.5)
    np.testing.assert_allclose(body_points(keypoints)["neck"], [14, 24, 1.0])  # weights 1, 1/4
    keypoints[6, 2] = 1.0
    np.testing.assert_allclose(body_points(keypoints)["neck"], [20, 30, 1.0])


def test_runs_of_true() -> None:
    assert runs_of_true(np.array([1, 1, 0, 1, 0, 0, 1], bool)) == [(0, 2), (3, 4), (6, 7)]
    assert runs_of_true(np.zeros(3, bool)) == []
