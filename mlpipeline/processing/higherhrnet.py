"""HigherHRNet (bottom-up, associative embedding) pose from an operator-supplied ONNX file.

Expected layout, as exported from the reference COCO models: one input (1, 3, H, W), RGB
normalised with ImageNet mean and std, H and W multiples of 64 (fixed or dynamic); two
outputs: (1, 2J, H/4, W/4) holding J heatmaps then J tag maps, and (1, J, H/2, W/2) holding
heatmaps at the higher resolution, with J = 17 COCO joints.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import maximum_filter
from scipy.optimize import linear_sum_assignment

from mlpipeline.processing.errors import ModelUnavailable
from mlpipeline.processing.pose import KEYPOINTS, PoseEstimate

COCO_JOINTS = 17
# Group from the head down, the way the reference decoder orders joints.
GROUPING_ORDER = (0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13, 14, 15, 16)
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


@dataclass(frozen=True)
class Letterbox:
    """Where the image sits in the network input: input = image * scale + offset."""

    scale: float
    offset_x: float
    offset_y: float
    input_size: tuple[int, int]  # width, height


def letterbox(
    image: NDArray[np.uint8], input_size: tuple[int, int] | None, short_side: int = 512
) -> tuple[NDArray[np.float32], Letterbox]:
    """Resize keeping aspect, pad (centred) to the model's size; return NCHW float input.

    With a dynamic model the short side becomes `short_side` and both sides are padded up to
    a multiple of 64, as in HigherHRNet's multi-scale test.
    """
    height, width = image.shape[:2]
    if input_size is None:
        scale = short_side / min(width, height)
        new_w, new_h = round(width * scale), round(height * scale)
        input_size = (-(-new_w // 64) * 64, -(-new_h // 64) * 64)
    else:
        scale = min(input_size[0] / width, input_size[1] / height)
        new_w, new_h = round(width * scale), round(height * scale)
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    normalised = (resized.astype(np.float32) / 255.0 - IMAGENET_MEAN) / IMAGENET_STD
    canvas = np.zeros((input_size[1], input_size[0], 3), np.float32)  # 0 = the mean colour
    off_x, off_y = (input_size[0] - new_w) // 2, (input_size[1] - new_h) // 2
    canvas[off_y : off_y + new_h, off_x : off_x + new_w] = normalised
    return canvas.transpose(2, 0, 1)[None], Letterbox(scale, off_x, off_y, input_size)


def aggregate_heatmaps(
    low: NDArray[np.float32], high: NDArray[np.float32], joints: int = COCO_JOINTS
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Average the two heatmap resolutions at the higher one; upsample the tags to match.

    low: (2J, h, w) heatmaps then tags; high: (J, 2h, 2w). Returns heat (J, 2h, 2w), tags
    (J, 2h, 2w).
    """
    size = (high.shape[2], high.shape[1])
    low_up = cv2.resize(low.transpose(1, 2, 0), size, interpolation=cv2.INTER_LINEAR)
    low_up = low_up.reshape(size[1], size[0], -1).transpose(2, 0, 1)
    heat = (low_up[:joints] + high) / 2.0
    return heat, low_up[joints : 2 * joints]


def group_people(
    heat: NDArray[np.float32],
    tags: NDArray[np.float32],
    *,
    detection_threshold: float = 0.1,
    tag_threshold: float = 1.0,
    max_people: int = 30,
) -> list[NDArray[np.float32]]:
    """Associative-embedding grouping. Returns one (J, 3) x, y, score array per person.

    Peaks are local maxima (5x5) above `detection_threshold`, at most `max_people` per
    joint. Joints are added in GROUPING_ORDER: each candidate joins the person whose mean
    tag is nearest (Hungarian assignment on rounded tag distance, ties broken by peak
    score) if that distance is under `tag_threshold`, otherwise it starts a new person.
    """
    joints, _height, _width = heat.shape
    peaks = (maximum_filter(heat, size=(1, 5, 5)) == heat) & (heat > detection_threshold)
    people: list[NDArray[np.float32]] = []
    person_tags: list[list[float]] = []
    for j in GROUPING_ORDER[:joints]:
        ys, xs = np.nonzero(peaks[j])
        if len(ys) == 0:
            continue
        scores = heat[j, ys, xs]
        keep = np.argsort(-scores)[:max_people]
        ys, xs, scores = ys[keep], xs[keep], scores[keep]
        cand_tags = tags[j, ys, xs]
        points = [refine_peak(heat[j], x, y) for x, y in zip(xs, ys, strict=True)]
        if not people:
            assignment: dict[int, int] = {}
        else:
            means = np.array([np.mean(tg) for tg in person_tags])
            distance = np.abs(cand_tags[:, None] - means[None, :])
            cost = np.round(distance) * 100.0 - scores[:, None]
            rows, cols = linear_sum_assignment(cost)
            assignment = {
                int(r): int(c)
                for r, c in zip(rows, cols, strict=True)
                if distance[r, c] < tag_threshold
            }
        for c in range(len(scores)):
            person = assignment.get(c)
            if person is None:
                people.append(np.zeros((joints, 3), np.float32))
                person_tags.append([])
                person = len(people) - 1
            people[person][j] = (*points[c], scores[c])
            person_tags[person].append(float(cand_tags[c]))
    return people


def refine_peak(heat: NDArray[np.float32], x: int, y: int) -> tuple[float, float]:
    """Quarter-pixel shift towards the higher neighbour (the reference decoder's adjustment)."""
    height, width = heat.shape
    fx, fy = float(x), float(y)
    if 0 < x < width - 1:
        fx += 0.25 * np.sign(heat[y, x + 1] - heat[y, x - 1])
    if 0 < y < height - 1:
        fy += 0.25 * np.sign(heat[y + 1, x] - heat[y - 1, x])
    return fx, fy


def choose_patient(
    people: list[NDArray[np.float32]],
    image_size: tuple[int, int],
    previous_centre: NDArray[np.float32] | None,
) -> int | None:
    """Index of the person to follow: large, confident, and near where the patient was.

    Score = mean joint score x body height as a fraction of the frame, weighted down by
    distance from the previous frame's patient (in frame diagonals).
    """
    if not people:
        return None
    diagonal = float(np.hypot(*image_size))
    best, best_score = None, -1.0
    for i, person in enumerate(people):
        seen = person[:, 2] > 0
        if seen.sum() < 3:
            continue
        height = float(np.ptp(person[seen, 1])) / image_size[1]
        score = float(person[:, 2].mean()) * max(height, 0.05)
        if previous_centre is not None:
            distance = float(np.linalg.norm(person[seen, :2].mean(0) - previous_centre))
            score *= float(np.exp(-2.0 * distance / diagonal))
        if score > best_score:
            best, best_score = i, score
    return best


class HigherHRNetPose:
    """Runs the ONNX model with onnxruntime and returns the chosen patient's keypoints."""

    name = "higherhrnet"

    def __init__(
        self,
        model_path: str,
        *,
        threads: int = 1,
        detection_threshold: float = 0.1,
        tag_threshold: float = 1.0,
        min_person_score: float = 0.2,
    ) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        try:
            self._session = ort.InferenceSession(
                model_path, options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelUnavailable(
                "pose_model_unreadable", f"Cannot load the HigherHRNet model: {exc}"
            ) from exc
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        if len(inputs) != 1 or len(outputs) != 2 or len(inputs[0].shape) != 4:
            raise ModelUnavailable(
                "pose_model_layout", "The HigherHRNet model needs 1 image input and 2 outputs."
            )
        self._input_name = inputs[0].name
        height, width = inputs[0].shape[2:]
        fixed = isinstance(height, int) and isinstance(width, int)
        self._input_size = (width, height) if fixed else None
        self.detection_threshold = detection_threshold
        self.tag_threshold = tag_threshold
        self.min_person_score = min_person_score
        self._previous_centre: NDArray[np.float32] | None = None

    def estimate(self, image: NDArray[np.uint8]) -> PoseEstimate:
        tensor, box = letterbox(image, self._input_size)
        first, second = self._session.run(None, {self._input_name: tensor})
        low, high = (first, second) if first.shape[1] == 2 * COCO_JOINTS else (second, first)
        if low.shape[1] != 2 * COCO_JOINTS or high.shape[1] != COCO_JOINTS:
            raise ModelUnavailable(
                "pose_model_layout",
                f"Unexpected HigherHRNet outputs {first.shape}, {second.shape}.",
            )
        heat, tags = aggregate_heatmaps(low[0], high[0])
        people = group_people(
            heat,
            tags,
            detection_threshold=self.detection_threshold,
            tag_threshold=self.tag_threshold,
        )
        # heatmap pixels -> network input pixels -> image pixels
        stride_x = box.input_size[0] / heat.shape[2]
        stride_y = box.input_size[1] / heat.shape[1]
        for person in people:
            person[:, 0] = ((person[:, 0] + 0.5) * stride_x - 0.5 - box.offset_x) / box.scale
            person[:, 1] = ((person[:, 1] + 0.5) * stride_y - 0.5 - box.offset_y) / box.scale
        people = [p for p in people if p[:, 2].mean() >= self.min_person_score]
        chosen = choose_patient(people, (image.shape[1], image.shape[0]), self._previous_centre)
        if chosen is None:
            return PoseEstimate.empty(people=len(people))
        patient = people[chosen]
        self._previous_centre = patient[patient[:, 2] > 0, :2].mean(0)
        keypoints = np.zeros((len(KEYPOINTS), 3), np.float32)
        keypoints[:COCO_JOINTS] = patient
        return PoseEstimate(keypoints=keypoints, people=len(people))

    def close(self) -> None:
        self._session = None  # type: ignore[assignment]
