"""Check a generated recording against a real pose model (MediaPipe BlazePose).

Used by the tests and bench/synthetic.py: detection rate and Eq. 1 error against the
ground truth. The video is decoded and turned upright exactly as FORMAT.md describes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

from mlpipeline.synthetic.cohort import theta_eq1
from mlpipeline.synthetic.writer import upright_from_stored

# BlazePose landmark indices.
L_SHOULDER, R_SHOULDER, L_HIP, R_HIP, L_ANKLE, R_ANKLE = 11, 12, 23, 24, 27, 28


@dataclass(frozen=True)
class PoseCheck:
    """BlazePose against the truth. theta_pred uses the midpoints of hips and ankles;
    theta_pred_visible the hip and ankle of the side BlazePose sees best."""

    frames: int
    detected: int
    theta_mae: float  # over frames where the person was found
    theta_max_error: float
    theta_pred: NDArray[np.float64]  # NaN where not found
    theta_true: NDArray[np.float64]
    theta_mae_visible: float
    theta_pred_visible: NDArray[np.float64]

    @property
    def detection_rate(self) -> float:
        return self.detected / max(self.frames, 1)


def upright_frames(video: Path) -> Iterator[NDArray[np.uint8]]:
    """Decoded RGB frames with the display rotation applied."""
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            yield upright_from_stored(frame.to_ndarray(format="rgb24"), int(frame.rotation))


def check_recording(video: Path, ground_truth: Path, model_complexity: int = 1) -> PoseCheck:
    """Run BlazePose in video mode over every frame and compare theta with the truth."""
    import mediapipe as mp

    truth = np.load(ground_truth)["theta"]
    preds, preds_visible = [], []
    with mp.solutions.pose.Pose(
        static_image_mode=False, model_complexity=model_complexity, enable_segmentation=True
    ) as pose:
        for rgb in upright_frames(video):
            h, w = rgb.shape[:2]
            result = pose.process(rgb)
            if result.pose_landmarks is None:
                preds.append(np.nan)
                preds_visible.append(np.nan)
                continue
            lm = result.pose_landmarks.landmark

            def xy(i: int, lm=lm, w=w, h=h) -> NDArray[np.float64]:
                return np.array([lm[i].x * w, lm[i].y * h])

            neck = (xy(L_SHOULDER) + xy(R_SHOULDER)) / 2
            hip = (xy(L_HIP) + xy(R_HIP)) / 2
            ankle = (xy(L_ANKLE) + xy(R_ANKLE)) / 2
            preds.append(float(theta_eq1(neck[None], hip[None], ankle[None])[0]))
            left = lm[L_HIP].visibility + lm[L_ANKLE].visibility
            right = lm[R_HIP].visibility + lm[R_ANKLE].visibility
            hip_i, ankle_i = (L_HIP, L_ANKLE) if left >= right else (R_HIP, R_ANKLE)
            preds_visible.append(
                float(theta_eq1(neck[None], xy(hip_i)[None], xy(ankle_i)[None])[0])
            )
    n = min(len(preds), len(truth))
    pred, pred_visible, truth = np.array(preds[:n]), np.array(preds_visible[:n]), truth[:n]
    found = ~np.isnan(pred)
    err = np.abs(pred[found] - truth[found])
    err_visible = np.abs(pred_visible[found] - truth[found])
    return PoseCheck(
        frames=n,
        detected=int(found.sum()),
        theta_mae=float(err.mean()) if err.size else float("nan"),
        theta_max_error=float(err.max()) if err.size else float("nan"),
        theta_pred=pred,
        theta_true=truth,
        theta_mae_visible=float(err_visible.mean()) if err.size else float("nan"),
        theta_pred_visible=pred_visible,
    )
