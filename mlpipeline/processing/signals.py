"""Per-frame measurements that feed the quality checks: light, camera motion, framing and
how side-on the person stands."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from mlpipeline.processing.pose import K

HEAD = (K["nose"], K["left_ear"], K["right_ear"])
FEET = (K["left_ankle"], K["right_ankle"], K["left_heel"], K["right_heel"])


def brightness(image: NDArray[np.uint8]) -> float:
    """Mean luma (BT.601, 0-255) of an RGB image, from every 4th pixel."""
    sample = image[::4, ::4].astype(np.float32)
    return float((sample @ np.array([0.299, 0.587, 0.114], np.float32)).mean())


def head_or_feet_outside(
    keypoints: NDArray[np.float32],
    width: int,
    height: int,
    margin: float = 0.01,
    min_confidence: float = 0.3,
) -> bool:
    """True when the head or the feet are outside the picture.

    Pose models extrapolate joints they cannot see, so a point counts as outside when it
    lies beyond the frame edge (less `margin` of the frame) or when none of the head (or
    feet) points is confident.
    """
    lo_x, hi_x = margin * width, (1 - margin) * width
    lo_y, hi_y = margin * height, (1 - margin) * height
    for group in (HEAD, FEET):
        points = keypoints[list(group)]
        known = points[points[:, 2] > 0]
        if known.size == 0:
            continue  # the model has no such keypoints (e.g. no heels): nothing to judge
        if not (known[:, 2] >= min_confidence).any():
            return True
        confident = known[known[:, 2] >= min_confidence]
        if (
            (confident[:, 0] < lo_x)
            | (confident[:, 0] > hi_x)
            | (confident[:, 1] < lo_y)
            | (confident[:, 1] > hi_y)
        ).any():
            return True
    return False


def width_ratio(keypoints: NDArray[np.float32], min_confidence: float = 0.3) -> float:
    """Mean of shoulder and hip widths over trunk length, in the image.

    About 0-0.3 seen from the side, 0.6-0.9 from the front; NaN if not measurable.
    """
    xy, conf = keypoints[:, :2], keypoints[:, 2]
    pairs = [(K["left_shoulder"], K["right_shoulder"]), (K["left_hip"], K["right_hip"])]
    if min(conf[i] for pair in pairs for i in pair) < min_confidence:
        return float("nan")
    neck = (xy[pairs[0][0]] + xy[pairs[0][1]]) / 2
    hip = (xy[pairs[1][0]] + xy[pairs[1][1]]) / 2
    trunk = float(np.linalg.norm(neck - hip))
    if trunk < 1.0:
        return float("nan")
    widths = [float(np.linalg.norm(xy[a] - xy[b])) for a, b in pairs]
    return float(np.mean(widths)) / trunk


class CameraMotion:
    """Accumulates the background's displacement between consecutive analysed frames.

    Corners outside the person are tracked with pyramidal Lucas-Kanade; the median
    displacement of each pair is summed, and `largest_shift` is the furthest the camera
    drifted from where it started, as a fraction of the frame diagonal.
    """

    def __init__(self, long_side: int = 320) -> None:
        self.long_side = long_side
        self._previous: NDArray[np.uint8] | None = None
        self._previous_person: NDArray[np.bool_] | None = None
        self._position = np.zeros(2)
        self.largest_shift = 0.0

    def update(self, image: NDArray[np.uint8], person: NDArray[np.bool_] | None) -> None:
        """Add a frame (RGB) with the person's mask (same size) or None."""
        height, width = image.shape[:2]
        scale = min(1.0, self.long_side / max(height, width))
        size = (max(16, int(width * scale)), max(16, int(height * scale)))
        gray = cv2.cvtColor(
            cv2.resize(image, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY
        )
        small_person = None
        if person is not None:
            small_person = cv2.resize(
                person.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST
            ).astype(bool)
        if self._previous is not None:
            step = self._displacement(self._previous, gray, self._previous_person, small_person)
            if step is not None:
                self._position += step
                diagonal = float(np.hypot(*size))
                self.largest_shift = max(
                    self.largest_shift, float(np.linalg.norm(self._position)) / diagonal
                )
        self._previous, self._previous_person = gray, small_person

    @staticmethod
    def _displacement(
        before: NDArray[np.uint8],
        after: NDArray[np.uint8],
        person_before: NDArray[np.bool_] | None,
        person_after: NDArray[np.bool_] | None,
    ) -> NDArray[np.float64] | None:
        background = np.full(before.shape, 255, np.uint8)
        for person in (person_before, person_after):
            if person is not None:
                grown = cv2.dilate(person.astype(np.uint8), np.ones((9, 9), np.uint8))
                background[grown > 0] = 0
        corners = cv2.goodFeaturesToTrack(
            before, maxCorners=80, qualityLevel=0.01, minDistance=8, mask=background
        )
        if corners is None or len(corners) < 8:
            return None
        moved, status, _ = cv2.calcOpticalFlowPyrLK(
            before, after, corners, None, winSize=(21, 21), maxLevel=3
        )
        good = status.ravel() == 1
        if good.sum() < 8:
            return None
        return np.median((moved - corners)[good].reshape(-1, 2), axis=0)


TRUNK = (K["left_shoulder"], K["right_shoulder"], K["left_hip"], K["right_hip"])


def identity_switches(
    keypoints: NDArray[np.float32],
    t: NDArray[np.float64],
    *,
    max_jump: float = 2.0,
    max_gap_s: float = 0.5,
    min_confidence: float = 0.5,
) -> int:
    """How often the tracked body jumps to another place between two analysed frames.

    keypoints: (T, 21, 3); t: (T,) seconds. A jump is a move of the trunk centre (mean of
    shoulders and hips, all confident in both frames, at most `max_gap_s` apart) by more
    than `max_jump` trunk lengths. Nobody moves like that: measured at 5 frames/s, a bend
    moves it at most 0.3 trunk lengths, walking 0.6; the pose model has switched to
    another person (7 trunk lengths in the two-person Sports2D clip).
    """
    trunk = keypoints[:, list(TRUNK)]
    confident = (trunk[:, :, 2] >= min_confidence).all(axis=1)
    shoulders, hips = trunk[:, :2, :2].mean(axis=1), trunk[:, 2:, :2].mean(axis=1)
    centre, length = (shoulders + hips) / 2, np.linalg.norm(shoulders - hips, axis=1)
    both = confident[1:] & confident[:-1] & (np.diff(t) <= max_gap_s)
    moved = np.linalg.norm(np.diff(centre, axis=0), axis=1)
    scale = np.maximum(np.maximum(length[1:], length[:-1]), 1e-6)
    return int((both & (moved > max_jump * scale)).sum())
