"""Person segmentation behind one interface, and mask cleaning.

`Segmenter.segment(image, keypoints)` returns the patient's mask (H, W) bool for one frame.
Frames must come in time order: tracking backends (SAM) prompt each frame with the box of
the previous mask. With the default MediaPipe pose the pipeline takes BlazePose's own
segmentation mask from the pose pass instead, so no segmenter runs at all.
"""

from __future__ import annotations

from typing import Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from mlpipeline.processing.errors import ModelUnavailable
from mlpipeline.processing.native_logs import silence_native_logs  # before mediapipe loads
from mlpipeline.processing.pose import K

BoolMask = NDArray[np.bool_]


class Segmenter(Protocol):
    name: str

    def segment(self, image: NDArray[np.uint8], keypoints: NDArray[np.float32]) -> BoolMask: ...

    def close(self) -> None: ...


def clean_mask(
    probability: NDArray[np.generic],
    keypoints: NDArray[np.float32] | None = None,
    *,
    threshold: float = 0.5,
) -> BoolMask:
    """Binary person mask: threshold, keep one connected component, fill its holes.

    `probability` is (H, W) in [0, 1] (float), [0, 255] (uint8) or bool. The component kept
    is the one holding most confident keypoints when keypoints are given, else the largest.
    """
    if probability.dtype == np.bool_:
        binary = probability.astype(np.uint8)
    else:
        scale = 255.0 if probability.dtype == np.uint8 else 1.0
        binary = (probability >= threshold * scale).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 1:
        return binary.astype(bool)
    votes = np.zeros(count)
    if keypoints is not None:
        height, width = binary.shape
        for x, y, confidence in keypoints:
            if confidence >= 0.5 and 0 <= int(y) < height and 0 <= int(x) < width:
                votes[labels[int(y), int(x)]] += 1
        votes[0] = 0
    areas = stats[:, cv2.CC_STAT_AREA].astype(float)
    areas[0] = 0
    keep = int(np.argmax(votes)) if votes.max() > 0 else int(np.argmax(areas))
    return fill_holes(labels == keep)


def fill_holes(mask: BoolMask) -> BoolMask:
    """Fill background regions not connected to the image border."""
    padded = np.pad(mask.astype(np.uint8), 1)
    outside = padded.copy()
    flood = np.zeros((padded.shape[0] + 2, padded.shape[1] + 2), np.uint8)
    cv2.floodFill(outside, flood, (0, 0), 1)
    holes = outside[1:-1, 1:-1] == 0
    return mask | holes


def count_people(
    everyone: BoolMask, patient: BoolMask, *, min_area: float = 0.4, min_height: float = 0.5
) -> int:
    """People in a frame: 1 for the patient plus every separate blob of `everyone` (a mask
    of all people, such as selfie segmentation's) outside the patient's mask that is
    person-sized: at least `min_area` of the patient's area and `min_height` of their height.
    """
    if not patient.any():
        return 0
    grown = cv2.dilate(patient.astype(np.uint8), np.ones((11, 11), np.uint8)) > 0
    others = (everyone & ~grown).astype(np.uint8)
    _count, _, stats, _ = cv2.connectedComponentsWithStats(others, connectivity=8)
    rows = np.flatnonzero(patient.any(axis=1))
    patient_height = rows[-1] - rows[0] + 1
    big = (stats[1:, cv2.CC_STAT_AREA] >= min_area * patient.sum()) & (
        stats[1:, cv2.CC_STAT_HEIGHT] >= min_height * patient_height
    )
    return 1 + int(big.sum())


def mask_box(mask: BoolMask, expand: float = 0.1) -> tuple[float, float, float, float] | None:
    """(x0, y0, x1, y1) of the mask, enlarged by `expand` of its size on each side."""
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return None
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    dx, dy = (x1 - x0) * expand, (y1 - y0) * expand
    height, width = mask.shape
    return (
        max(0.0, x0 - dx),
        max(0.0, y0 - dy),
        min(width - 1.0, x1 + dx),
        min(height - 1.0, y1 + dy),
    )


def keypoint_box(
    keypoints: NDArray[np.float32], image_shape: tuple[int, ...], expand: float = 0.15
) -> tuple[float, float, float, float] | None:
    """Box around the confident keypoints, enlarged to cover the body outline."""
    confident = keypoints[keypoints[:, 2] >= 0.5, :2]
    if len(confident) < 3:
        return None
    (x0, y0), (x1, y1) = confident.min(0), confident.max(0)
    dx, dy = (x1 - x0) * expand + 10, (y1 - y0) * expand + 10
    height, width = image_shape[:2]
    return (
        max(0.0, x0 - dx),
        max(0.0, y0 - dy),
        min(width - 1.0, x1 + dx),
        min(height - 1.0, y1 + dy),
    )


class MediaPipeSelfieSegmenter:
    """MediaPipe selfie segmentation (all people), narrowed to the patient by keypoints."""

    name = "mediapipe"

    def __init__(self) -> None:
        import mediapipe as mp

        silence_native_logs()
        self._model = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)

    def probability(self, image: NDArray[np.uint8]) -> NDArray[np.float32]:
        """Per-pixel probability of any person, (H, W) in [0, 1]."""
        return self._model.process(image).segmentation_mask

    def segment(self, image: NDArray[np.uint8], keypoints: NDArray[np.float32]) -> BoolMask:
        return clean_mask(self.probability(image), keypoints)

    def close(self) -> None:
        self._model.close()


def make_segmenter(
    name: str, *, encoder_path: str | None = None, decoder_path: str | None = None, threads: int = 1
) -> Segmenter:
    """Build the segmenter called `name` ("mediapipe" or "sam")."""
    if name == "mediapipe":
        return MediaPipeSelfieSegmenter()
    if name == "sam":
        from mlpipeline.processing.sam import SamSegmenter

        if not encoder_path or not decoder_path:
            raise ModelUnavailable(
                "segmenter_model_missing",
                "The SAM encoder and decoder ONNX files are not configured.",
            )
        return SamSegmenter(encoder_path, decoder_path, threads=threads)
    raise ValueError(f"unknown segmenter {name!r}")


# Keypoints that lie inside the body outline, used as SAM's positive prompts.
PROMPT_KEYPOINTS = tuple(
    K[name]
    for name in (
        "nose",
        "left_shoulder",
        "right_shoulder",
        "left_hip",
        "right_hip",
        "left_knee",
        "right_knee",
        "left_ankle",
        "right_ankle",
    )
)
