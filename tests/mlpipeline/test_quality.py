"""Each quality check fires on the signal it is about, and only then."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from mlpipeline.processing.pose import KEYPOINTS, K
from mlpipeline.processing.quality import (
    MESSAGES,
    QualitySignals,
    QualityThresholds,
    assess_quality,
)
from mlpipeline.processing.signals import (
    CameraMotion,
    brightness,
    head_or_feet_outside,
    width_ratio,
)


def standing_keypoints() -> np.ndarray:
    """A person seen exactly side-on in a 320 x 240 frame (x = 160, y 49..215)."""
    keypoints = np.zeros((len(KEYPOINTS), 3), np.float32)
    for name, y in [
        ("nose", 49),
        ("left_ear", 47),
        ("right_ear", 47),
        ("left_shoulder", 76),
        ("right_shoulder", 76),
        ("left_hip", 130),
        ("right_hip", 130),
        ("left_ankle", 215),
        ("right_ankle", 215),
        ("left_heel", 217),
        ("right_heel", 217),
    ]:
        keypoints[K[name]] = (160, y, 0.9)
    return keypoints


def good_signals(n: int = 100, fs: float = 5.0) -> QualitySignals:
    """20 s of three clean forward bends to 70 degrees, seen side-on."""
    t = np.arange(n) / fs
    signed = 70 * np.clip(np.sin(2 * np.pi * t / (n / fs / 3)), 0, None) + 2
    return QualitySignals(
        t=t,
        person=np.ones(n, bool),
        valid=np.ones(n, bool),
        out_of_frame=np.zeros(n, bool),
        width_ratio=np.full(n, 0.15),
        brightness=np.full(n, 120.0),
        people=np.where(np.arange(n) % 5 == 0, 1, -1),
        camera_shift=0.005,
        signed_theta=signed,
        repetitions=3,
        duration_s=n / fs,
    )


def codes(signals: QualitySignals, task: str = "forward") -> list[str]:
    return [i.code for i in assess_quality(signals, task).issues]


def test_a_good_recording_passes() -> None:
    report = assess_quality(good_signals(), "forward")
    assert report.ok
    assert report.as_dict() == {"ok": True, "issues": []}


def test_no_person() -> None:
    signals = good_signals()
    n = len(signals.t)
    signals = replace(
        signals, person=np.zeros(n, bool), valid=np.zeros(n, bool), signed_theta=np.full(n, np.nan)
    )
    assert codes(signals) == ["no_person"]


def test_person_lost_inside_the_recording_but_not_briefly_at_the_edges() -> None:
    signals = good_signals()
    valid = np.ones(len(signals.t), bool)
    valid[:10] = False  # 2 s walking into view: allowed
    assert "person_lost" not in codes(replace(signals, valid=valid))
    valid[40:50] = False  # 2 s gone in the middle
    assert "person_lost" in codes(replace(signals, valid=valid))


def test_out_of_frame() -> None:
    signals = good_signals()
    outside = np.zeros(len(signals.t), bool)
    outside[30:45] = True
    assert "out_of_frame" in codes(replace(signals, out_of_frame=outside, valid=~outside))


def test_not_side_on() -> None:
    assert "not_side_on" in codes(replace(good_signals(), width_ratio=np.full(100, 0.6)))


def test_camera_moving() -> None:
    assert codes(replace(good_signals(), camera_shift=0.2)) == ["camera_moving"]


def test_too_dark() -> None:
    assert codes(replace(good_signals(), brightness=np.full(100, 20.0))) == ["too_dark"]


def test_more_than_one_person() -> None:
    people = np.where(np.arange(100) % 5 == 0, 2, -1)
    assert codes(replace(good_signals(), people=people)) == ["multiple_people"]


def test_range_too_small_and_wrong_direction_depend_on_the_task() -> None:
    shallow = replace(good_signals(), signed_theta=good_signals().signed_theta * 0.2)
    assert codes(shallow) == ["range_too_small"]
    assert "range_too_small" in codes(
        replace(shallow, signed_theta=-shallow.signed_theta * 0.3), "backward"
    )
    backward = replace(good_signals(), signed_theta=-good_signals().signed_theta * 0.4)
    assert codes(backward, "backward") == []
    assert codes(backward, "forward") == ["wrong_direction"]
    assert codes(good_signals(), "backward") == ["wrong_direction"]
    messages = {i.message for i in assess_quality(backward, "forward").issues}
    assert messages == {MESSAGES["wrong_direction_forward"]}


def test_too_few_repetitions() -> None:
    report = assess_quality(replace(good_signals(), repetitions=1), "forward")
    assert [i.code for i in report.issues] == ["too_few_repetitions"]
    assert "at least 2 times" in report.issues[0].message


@pytest.mark.parametrize(("duration", "code"), [(2.0, "too_short"), (200.0, "too_long")])
def test_too_short_or_too_long(duration: float, code: str) -> None:
    assert code in codes(replace(good_signals(), duration_s=duration))


def test_thresholds_are_configurable() -> None:
    signals = replace(good_signals(), repetitions=1)
    assert assess_quality(signals, "forward", QualityThresholds(min_repetitions=1)).ok


def test_brightness_and_framing_signals() -> None:
    assert brightness(np.zeros((40, 40, 3), np.uint8)) == 0.0
    assert brightness(np.full((40, 40, 3), 200, np.uint8)) == pytest.approx(200, abs=0.1)
    keypoints = standing_keypoints()
    assert not head_or_feet_outside(keypoints, 320, 240)
    keypoints[[K["left_ankle"], K["right_ankle"], K["left_heel"], K["right_heel"]], 1] = 260
    assert head_or_feet_outside(keypoints, 320, 240)
    side = standing_keypoints()
    assert width_ratio(side) == pytest.approx(0.0)
    front = standing_keypoints()
    front[5, 0], front[6, 0], front[11, 0], front[12, 0] = 130, 190, 145, 175
    assert width_ratio(front) > 0.5


def test_camera_motion_sees_a_pan_but_not_a_moving_person() -> None:
    rng = np.random.default_rng(0)
    scene = (rng.random((300, 500)) * 255).astype(np.uint8)
    scene = np.repeat(cv2.GaussianBlur(scene, (0, 0), 2.0)[..., None], 3, axis=2)
    still, panning = CameraMotion(), CameraMotion()
    for i in range(10):
        frame = scene[20:260, 20:340].copy()
        person = np.zeros((240, 320), bool)
        person[40:200, 100 + 8 * i : 140 + 8 * i] = True
        frame[person] = 255  # the person walks; the background stays
        still.update(frame, person)
        panning.update(scene[20:260, 20 + 10 * i : 340 + 10 * i].copy(), None)
    assert still.largest_shift < 0.01
    assert panning.largest_shift > 0.2
