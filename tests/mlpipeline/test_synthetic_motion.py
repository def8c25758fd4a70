"""Bend kinematics of the synthetic cohort: depth, repetitions, Eq. 1 ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from mlpipeline.synthetic.body import sagittal_theta
from mlpipeline.synthetic.cohort import KEYPOINTS, theta_from_keypoints
from mlpipeline.synthetic.motion import (
    bend_angles,
    bend_timeline,
    minimum_jerk,
    solve_bend_amount,
)
from mlpipeline.synthetic.participant import sample_participant


def _eq1_by_hand(neck: np.ndarray, hip: np.ndarray, ankle: np.ndarray) -> float:
    a, b = hip - neck, ankle - hip
    return float(np.degrees(np.arccos(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))))


def test_theta_from_keypoints_is_eq1_on_midpoints() -> None:
    rng = np.random.default_rng(0)
    kp = rng.uniform(0, 500, size=(5, len(KEYPOINTS), 2))
    idx = {name: k for k, name in enumerate(KEYPOINTS)}
    theta = theta_from_keypoints(kp)
    for t in range(5):
        hip = (kp[t, idx["hip_l"]] + kp[t, idx["hip_r"]]) / 2
        ankle = (kp[t, idx["ankle_l"]] + kp[t, idx["ankle_r"]]) / 2
        assert theta[t] == pytest.approx(_eq1_by_hand(kp[t, idx["neck"]], hip, ankle), abs=1e-6)
    # Upright: neck above hip above ankle gives 0; a right angle gives 90.
    upright = np.zeros((1, len(KEYPOINTS), 2))
    upright[0, idx["neck"]] = (100, 0)
    upright[0, [idx["hip_l"], idx["hip_r"]]] = (100, 100)
    upright[0, [idx["ankle_l"], idx["ankle_r"]]] = (100, 200)
    assert theta_from_keypoints(upright)[0] == pytest.approx(0.0, abs=1e-6)
    upright[0, idx["neck"]] = (200, 100)
    assert theta_from_keypoints(upright)[0] == pytest.approx(90.0, abs=1e-6)


@pytest.mark.parametrize("task", ["forward", "backward"])
def test_bend_reaches_the_aimed_depth_in_range(task: str) -> None:
    for index in range(8):
        p = sample_participant(1, index, "FP" if index % 2 else "EP")
        aim = p.style.forward_theta_deg if task == "forward" else p.style.backward_theta_deg
        low, high = (60, 90) if task == "forward" else (20, 40)
        assert low <= aim <= high
        amount = solve_bend_amount(p.shape, p.phenotype, p.style, task)
        _, pose = bend_angles(p.shape, p.phenotype, p.style, task, np.array([0.0, 1.0]), amount)
        theta = sagittal_theta(pose)
        assert theta[1] == pytest.approx(aim, abs=0.5)
        assert theta[0] < 6.0  # standing is nearly straight


def test_three_repetitions_with_holds_and_smooth_profiles() -> None:
    p = sample_participant(2, 0, "FP")
    fps = 30
    tl = bend_timeline(p.style, fps, np.random.default_rng(0))
    assert set(np.unique(tl.rep)) == {-1, 0, 1, 2}
    for rep in range(3):
        prog = tl.progress[tl.rep == rep]
        assert 0.88 < prog.max() < 1.1
        held = np.sum(np.abs(prog - prog.max()) < 0.01) / fps
        assert held >= 0.3  # a hold, not a bounce
    velocity = np.diff(tl.progress) * fps
    acceleration = np.diff(velocity) * fps
    assert np.abs(velocity).max() < 3.0
    assert np.abs(acceleration).max() < 15.0
    assert tl.progress[0] == 0.0
    assert tl.progress[-1] == pytest.approx(0.0, abs=1e-6)
    s = np.linspace(0, 1, 101)
    assert minimum_jerk(s)[0] == 0.0
    assert minimum_jerk(s)[-1] == pytest.approx(1.0)
