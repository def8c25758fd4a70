"""Theta, its sign, repetitions and motion features on hand-made keypoints."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlpipeline.processing.features import (
    MOTION_FEATURE_NAMES,
    detect_repetitions,
    facing_direction,
    motion_features,
    signed_spinal_angle_deg,
    spinal_angle_deg,
)


def bent_pose(angle_deg: float, facing: int = 1, trunk: float = 50.0) -> tuple[np.ndarray, ...]:
    """Neck, hip, ankle (1, 2) for a straight-legged person whose trunk leans `angle_deg`
    towards the facing side (negative: backwards)."""
    ankle = np.array([[100.0, 300.0]])
    hip = np.array([[100.0, 200.0]])
    a = np.radians(angle_deg)
    neck = hip + trunk * np.array([[facing * np.sin(a), -np.cos(a)]])
    return neck, hip, ankle


@pytest.mark.parametrize("angle", [0.0, 15.0, 45.0, 90.0, 120.0])
def test_theta_matches_known_angles(angle: float) -> None:
    neck, hip, ankle = bent_pose(angle)
    assert spinal_angle_deg(neck, hip, ankle)[0] == pytest.approx(angle, abs=1e-6)


@pytest.mark.parametrize(("angle", "facing"), [(30.0, 1), (30.0, -1), (-20.0, 1), (-20.0, -1)])
def test_signed_theta_is_positive_forward_and_negative_backward(angle: float, facing: int) -> None:
    neck, hip, ankle = bent_pose(angle, facing)
    assert signed_spinal_angle_deg(neck, hip, ankle, facing)[0] == pytest.approx(angle, abs=1e-6)
    assert spinal_angle_deg(neck, hip, ankle)[0] == pytest.approx(abs(angle), abs=1e-6)


def test_theta_is_nan_where_points_are_missing() -> None:
    neck = np.array([[np.nan, 0.0], [100.0, 150.0]])
    hip = np.array([[100.0, 200.0], [100.0, 200.0]])
    ankle = np.array([[100.0, 300.0], [100.0, 300.0]])
    theta = spinal_angle_deg(neck, hip, ankle)
    assert np.isnan(theta[0])
    assert theta[1] == pytest.approx(0.0)


coords = st.floats(-1000, 1000, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    points=st.lists(st.tuples(coords, coords), min_size=3, max_size=3),
    shift=st.tuples(coords, coords),
    scale=st.floats(0.01, 100),
)
def test_theta_is_in_range_and_invariant_to_translation_and_scale(
    points: list[tuple[float, float]], shift: tuple[float, float], scale: float
) -> None:
    neck, hip, ankle = (np.array([p]) for p in points)
    if min(np.linalg.norm(hip - neck), np.linalg.norm(ankle - hip)) < 1.0:
        return  # degenerate: coinciding points have no angle
    theta = spinal_angle_deg(neck, hip, ankle)[0]
    assert 0.0 <= theta <= 180.0
    moved = spinal_angle_deg(*(p * scale + np.array(shift) for p in (neck, hip, ankle)))[0]
    assert moved == pytest.approx(theta, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(angle=st.floats(-170, 170), facing=st.sampled_from([-1, 1]))
def test_mirroring_the_image_keeps_the_signed_angle_when_facing_flips(
    angle: float, facing: int
) -> None:
    neck, hip, ankle = bent_pose(angle, facing)
    mirror = np.array([[-1.0, 1.0]])
    signed = signed_spinal_angle_deg(neck, hip, ankle, facing)[0]
    mirrored = signed_spinal_angle_deg(neck * mirror, hip * mirror, ankle * mirror, -facing)[0]
    assert signed == pytest.approx(angle, abs=1e-6)
    assert mirrored == pytest.approx(angle, abs=1e-6)


def test_facing_uses_feet_then_the_face() -> None:
    nan = np.full(5, np.nan)
    assert facing_direction(np.full(5, 110.0), np.full(5, 100.0), nan, nan) == 1
    assert facing_direction(nan, nan, np.full(5, 90.0), np.full(5, 100.0)) == -1


def bend_series(
    peaks_deg: list[float], rest_s: float = 1.0, bend_s: float = 3.0, fs: float = 10.0
) -> tuple[np.ndarray, np.ndarray]:
    """Theta of bends separated by rest; each bend a raised cosine of length `bend_s`."""
    parts = [np.zeros(int(rest_s * fs))]
    for peak in peaks_deg:
        phase = np.linspace(0, 2 * np.pi, int(bend_s * fs), endpoint=False)
        parts += [peak * (1 - np.cos(phase)) / 2, np.zeros(int(rest_s * fs))]
    theta = np.concatenate(parts) + 2.0
    return theta, np.arange(theta.size) / fs


def test_repetitions_are_counted_and_timed() -> None:
    theta, t = bend_series([60, 70, 50])
    reps = detect_repetitions(theta, t)
    assert len(reps) == 3
    assert [round(r.peak_theta) for r in reps] == [62, 72, 52]
    for rep in reps:  # rest to rest, within 10 % of the rise: ~80 % of the 3 s bend
        assert 2.2 < rep.duration < 3.0
    assert reps[0].peak_t == pytest.approx(1.0 + 1.5, abs=0.11)


def test_small_wobbles_are_not_repetitions() -> None:
    t = np.arange(100) / 10.0
    theta = 5 + 3 * np.sin(2 * np.pi * 0.5 * t)
    assert detect_repetitions(theta, t) == []


def test_repetitions_bridge_short_gaps() -> None:
    theta, t = bend_series([60, 60])
    theta[5:8] = np.nan
    assert len(detect_repetitions(theta, t)) == 2


def test_motion_features_are_exact_on_a_known_series() -> None:
    theta, t = bend_series([60, 70, 50])
    reps = detect_repetitions(theta, t)
    features = motion_features(theta, t, reps)
    assert tuple(features) == MOTION_FEATURE_NAMES
    assert features["mean"] == pytest.approx(theta.mean())
    assert features["min"] == pytest.approx(2.0)
    assert features["max"] == pytest.approx(72.0)
    assert features["range"] == pytest.approx(70.0)
    assert features["variance"] == pytest.approx(theta.var())
    assert features["sd"] == pytest.approx(theta.std())
    assert features["depth_variance"] == pytest.approx(np.var([62.0, 72.0, 52.0]))
    durations = [r.duration for r in reps]
    assert features["repetition_time"] == pytest.approx(np.mean(durations))
    assert features["repetition_time_variance"] == pytest.approx(np.var(durations))
    # raised cosine of 3 s stays within 5 deg of its peak of P for 3/pi*acos(1-10/P) s
    expected_hold = np.mean([3 / np.pi * np.arccos(1 - 10 / p) for p in (60, 70, 50)])
    assert features["stability_time"] == pytest.approx(expected_hold, abs=0.12)


def test_motion_features_without_repetitions_or_pose() -> None:
    t = np.arange(20) / 10.0
    features = motion_features(np.full(20, 10.0), t, [])
    assert features["repetition_time"] is None
    assert features["depth_variance"] is None
    assert features["stability_time"] == pytest.approx(2.0)
    assert all(v is None for v in motion_features(np.full(20, np.nan), t, []).values())
