"""Pose estimation behind one interface, and cleaning of the keypoint series.

Every backend returns, per frame, the same 21 keypoints (COCO's 17 plus heels and toes) as
(x, y, confidence) in pixels of the image it was given. Keypoints a model does not have
(HigherHRNet has no feet) come back with confidence 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from scipy.signal import butter, filtfilt

from mlpipeline.processing.errors import ModelUnavailable
from mlpipeline.processing.native_logs import silence_native_logs  # before mediapipe loads

FloatArray = NDArray[np.float32]

KEYPOINTS: tuple[str, ...] = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_toe",
    "right_toe",
)
K = {name: i for i, name in enumerate(KEYPOINTS)}

# BlazePose's 33 landmarks -> our 21 keypoints.
_BLAZEPOSE_INDEX = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32)


@dataclass
class PoseEstimate:
    """One frame's pose: keypoints (21, 3) as x, y, confidence in the input image's pixels."""

    keypoints: FloatArray
    people: int = -1  # people the backend saw in the frame; -1 when it cannot tell
    mask: NDArray[np.uint8] | None = field(default=None, repr=False)  # 0-255, same pass

    @classmethod
    def empty(cls, people: int = 0) -> PoseEstimate:
        return cls(keypoints=np.zeros((len(KEYPOINTS), 3), np.float32), people=people)


class PoseBackend(Protocol):
    """Frames must be passed in time order: backends may track the person between frames."""

    name: str

    def estimate(self, image: NDArray[np.uint8]) -> PoseEstimate: ...

    def close(self) -> None: ...


class MediaPipePose:
    """BlazePose (mediapipe 0.10.21; `model` lite, full or heavy, see pose_models) in video
    mode, optionally with its person mask.

    Its own landmark smoothing is off: it is causal (it lags), and the series is smoothed
    later with a zero-phase filter. In video mode BlazePose looks for the body where the
    last frame's landmarks were; fed a few frames a second, that region lags behind a fast
    bend and the landmarks latch onto the wrong place (a synthetic forward bend at 5
    frames/s: 17 degrees mean theta error; at 25 frames/s: 1.6). So when the trunk moves
    more than `jump` of its length between two frames, a second BlazePose in image mode
    (fresh detection, ~45 ms) checks the frame; if the two disagree by as much, its answer
    is used and the tracker is reset (~70 ms). Same clip at 5 frames/s: 2.1 degrees.
    """

    name = "mediapipe"

    def __init__(self, *, with_mask: bool = True, model: str = "full", jump: float = 0.15) -> None:
        from mlpipeline.processing.pose_models import require_model

        model_complexity = require_model(model).complexity  # never let MediaPipe download

        import mediapipe as mp  # heavy; only workers that analyse video import it

        self.model = model
        self.with_mask = with_mask
        self.jump = jump
        self.checks = 0  # frames checked with a fresh detection
        self.resets = 0  # times the tracker had drifted and was reset
        self._previous_trunk: NDArray[np.float64] | None = None
        self._static: Any = None
        self._options = {
            "model_complexity": model_complexity,
            "smooth_landmarks": False,
            "enable_segmentation": with_mask,
            "smooth_segmentation": False,
            "min_detection_confidence": 0.5,
        }
        silence_native_logs()
        self._pose = mp.solutions.pose.Pose(
            static_image_mode=False, min_tracking_confidence=0.5, **self._options
        )

    def estimate(self, image: NDArray[np.uint8]) -> PoseEstimate:
        height, width = image.shape[:2]
        result = self._pose.process(image)
        if result.pose_landmarks is not None and self.jumped(result.pose_landmarks.landmark):
            # a fast move, or the tracked region lagging behind: ask a fresh detection
            self.checks += 1
            fresh = self._detector().process(image)
            if fresh.pose_landmarks is not None and self.disagree(
                result.pose_landmarks.landmark, fresh.pose_landmarks.landmark
            ):
                self.resets += 1
                self._pose.reset()
                result = fresh
        if result.pose_landmarks is None:
            self._previous_trunk = None
            return PoseEstimate.empty()
        marks = result.pose_landmarks.landmark
        self._previous_trunk = self.trunk(marks)
        keypoints = np.array(
            [
                (marks[i].x * width, marks[i].y * height, marks[i].visibility)
                for i in _BLAZEPOSE_INDEX
            ],
            np.float32,
        )
        mask = None
        if self.with_mask and result.segmentation_mask is not None:
            mask = (np.clip(result.segmentation_mask, 0.0, 1.0) * 255).astype(np.uint8)
        return PoseEstimate(keypoints=keypoints, people=-1, mask=mask)

    @staticmethod
    def trunk(marks) -> NDArray[np.float64]:  # type: ignore[no-untyped-def]
        return np.array([[marks[i].x, marks[i].y] for i in (11, 12, 23, 24)])

    def jumped(self, marks) -> bool:  # type: ignore[no-untyped-def]
        """True when the trunk moved more than `jump` of its length since the last frame."""
        if self._previous_trunk is None or self.jump <= 0:
            return False
        now = self.trunk(marks)
        length = np.linalg.norm(now[:2].mean(0) - now[2:].mean(0))
        moved = np.linalg.norm(now - self._previous_trunk, axis=1).max()
        return bool(moved > self.jump * max(length, 0.05))

    def _detector(self) -> Any:
        """A second BlazePose in image mode: detection on every call, no tracking."""
        if self._static is None:
            import mediapipe as mp

            self._static = mp.solutions.pose.Pose(static_image_mode=True, **self._options)
        return self._static

    def count_people(self, image: NDArray[np.uint8], patient: NDArray[np.bool_]) -> int:
        """1, or 2 when BlazePose finds another body with the patient's box painted out.

        The whole (enlarged) box is painted, not the silhouette: a grey person-shaped blob
        is itself detected as a person. Selfie segmentation was tried first and marks
        plants and chairs as people in full-body scenes.
        """
        ys, xs = np.nonzero(patient)
        if xs.size == 0:
            return 0
        height, width = patient.shape
        pad = 0.1 * (ys.max() - ys.min())
        x0, x1 = int(max(0, xs.min() - pad)), int(min(width, xs.max() + pad))
        y0, y1 = int(max(0, ys.min() - pad)), int(min(height, ys.max() + pad))
        hidden = image.copy()
        hidden[y0:y1, x0:x1] = 127
        other = self._detector().process(hidden).pose_landmarks
        if other is None:
            return 1
        trunk = [other.landmark[i] for i in (11, 12, 23, 24)]
        centre_x = np.mean([p.x for p in trunk]) * width
        centre_y = np.mean([p.y for p in trunk]) * height
        inside_box = x0 <= centre_x <= x1 and y0 <= centre_y <= y1
        return 2 if min(p.visibility for p in trunk) >= 0.6 and not inside_box else 1

    def disagree(self, tracked, fresh) -> bool:  # type: ignore[no-untyped-def]
        a, b = self.trunk(tracked), self.trunk(fresh)
        length = np.linalg.norm(b[:2].mean(0) - b[2:].mean(0))
        return bool(np.linalg.norm(a - b, axis=1).max() > self.jump * max(length, 0.05))

    def close(self) -> None:
        self._pose.close()
        if self._static is not None:
            self._static.close()


def make_pose_backend(
    name: str,
    *,
    model_path: str | None = None,
    with_mask: bool = True,
    threads: int = 1,
    redetect_jump: float = 0.15,
    model: str = "full",
) -> PoseBackend:
    """Build the backend called `name` ("mediapipe" or "higherhrnet"); `model` is
    BlazePose's lite, full or heavy (MediaPipe only)."""
    if name == "mediapipe":
        return MediaPipePose(with_mask=with_mask, model=model, jump=redetect_jump)
    if name == "higherhrnet":
        from mlpipeline.processing.higherhrnet import HigherHRNetPose

        if not model_path:
            raise ModelUnavailable("pose_model_missing", "No HigherHRNet ONNX file is configured.")
        return HigherHRNetPose(model_path, threads=threads)
    raise ValueError(f"unknown pose backend {name!r}")


def midpoint(keypoints: FloatArray, left: str, right: str) -> FloatArray:
    """Confidence-weighted midpoint of a left/right pair of (..., 21, 3) keypoints.

    Both seen: their midpoint. Seen side-on, the far joint is hidden, and models guess its
    position badly (an ankle may land a foot away); as the two joints nearly overlap in a
    side view, the visible one alone is then the better estimate. Confidence is the higher
    of the two.
    """
    a, b = keypoints[..., K[left], :], keypoints[..., K[right], :]
    wa, wb = a[..., 2:3] ** 2, b[..., 2:3] ** 2
    total = wa + wb
    xy = np.where(
        total > 0,
        (wa * a[..., :2] + wb * b[..., :2]) / np.maximum(total, 1e-12),
        (a[..., :2] + b[..., :2]) / 2.0,
    )
    return np.concatenate([xy, np.maximum(a[..., 2:3], b[..., 2:3])], axis=-1)


def body_points(keypoints: FloatArray) -> dict[str, FloatArray]:
    """Neck (mid-shoulders), hip and ankle midpoints as (..., 3) arrays."""
    return {
        "neck": midpoint(keypoints, "left_shoulder", "right_shoulder"),
        "hip": midpoint(keypoints, "left_hip", "right_hip"),
        "ankle": midpoint(keypoints, "left_ankle", "right_ankle"),
    }


@dataclass(frozen=True)
class CleanSeries:
    """Cleaned keypoints (T, 21, 2), NaN where missing; `observed`: confident detections;
    `filled`: short gaps that were interpolated."""

    xy: NDArray[np.float64]
    observed: NDArray[np.bool_]
    filled: NDArray[np.bool_]


def clean_keypoint_series(
    keypoints: FloatArray,
    t: NDArray[np.float64],
    *,
    min_confidence: float = 0.5,
    max_gap_s: float = 0.4,
    cutoff_hz: float = 2.5,
) -> CleanSeries:
    """Mark low-confidence points, interpolate gaps up to `max_gap_s`, low-pass zero-phase.

    keypoints: (T, 21, 3) x, y, confidence; t: (T,) seconds, increasing. Longer gaps stay
    NaN so later stages report them instead of inventing a pose. Each unbroken run is
    filtered separately with a 2nd-order Butterworth through `filtfilt` (no lag).
    """
    n_frames, n_points = keypoints.shape[:2]
    observed = keypoints[..., 2] >= min_confidence
    xy = np.where(observed[..., None], keypoints[..., :2], np.nan).astype(np.float64)
    filled = np.zeros_like(observed)
    for j in range(n_points):
        gaps = fill_short_gaps(xy[:, j], t, observed[:, j], max_gap_s)
        filled[:, j] = gaps
    if n_frames >= 2:
        fs = 1.0 / float(np.median(np.diff(t))) if n_frames > 1 else 1.0
        if cutoff_hz < 0.45 * fs:
            b, a = butter(2, cutoff_hz / (fs / 2.0))
            present = observed | filled
            for j in range(n_points):
                for start, stop in runs_of_true(present[:, j]):
                    if stop - start > 3 * max(len(a), len(b)):
                        xy[start:stop, j] = filtfilt(b, a, xy[start:stop, j], axis=0)
    return CleanSeries(xy=xy, observed=observed, filled=filled)


def fill_short_gaps(
    values: NDArray[np.float64],
    t: NDArray[np.float64],
    present: NDArray[np.bool_],
    max_gap_s: float,
) -> NDArray[np.bool_]:
    """Linearly interpolate (in place) interior gaps no longer than `max_gap_s` seconds.

    values: (T, D). Returns the (T,) mask of frames that were filled.
    """
    filled = np.zeros(len(t), bool)
    if present.sum() < 2:
        return filled
    for start, stop in runs_of_true(~present):
        if start == 0 or stop == len(t):
            continue  # never extrapolate beyond the first or last detection
        if t[stop] - t[start - 1] <= max_gap_s + 1e-9:
            for d in range(values.shape[1]):
                values[start:stop, d] = np.interp(
                    t[start:stop], t[[start - 1, stop]], values[[start - 1, stop], d]
                )
            filled[start:stop] = True
    return filled


def runs_of_true(flags: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the runs of True in a 1-D boolean array."""
    padded = np.concatenate([[False], flags.astype(bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))
