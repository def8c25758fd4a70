"""Track-Anything-style segmentation with operator-supplied SAM / MobileSAM ONNX files.

Encoder: one input (1, 3, S, S) (S = 1024 for SAM and MobileSAM): RGB resized so its
longest side is S, normalised with SAM's pixel mean and std (0-255 scale), padded at the
bottom and right; one output (1, C, S/16, S/16) of image embeddings.
Decoder (the layout of segment-anything's `export_onnx_model.py`): inputs image_embeddings,
point_coords (1, N, 2) in resized-image pixels, point_labels (1, N) (1 positive, 2/3 box
corners, -1 padding), mask_input (1, 1, 256, 256), has_mask_input (1,), orig_im_size (2,);
outputs masks (1, M, H, W) logits at the original size, iou_predictions (1, M), and
low_res_masks (1, M, 256, 256).

Each frame is prompted with the patient's confident keypoints as positive points and a
box: the previous frame's mask box (how the person is tracked through the clip), or the
keypoints' box for the first frame.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from mlpipeline.processing.errors import ModelUnavailable
from mlpipeline.processing.segmentation import (
    PROMPT_KEYPOINTS,
    BoolMask,
    clean_mask,
    keypoint_box,
    mask_box,
)

PIXEL_MEAN = np.array([123.675, 116.28, 103.53], np.float32)
PIXEL_STD = np.array([58.395, 57.12, 57.375], np.float32)
DECODER_INPUTS = {
    "image_embeddings",
    "point_coords",
    "point_labels",
    "mask_input",
    "has_mask_input",
    "orig_im_size",
}


def _session(path: str, threads: int, what: str):  # type: ignore[no-untyped-def]
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    try:
        return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelUnavailable(
            "segmenter_model_unreadable", f"Cannot load the SAM {what}: {exc}"
        ) from exc


class SamSegmenter:
    name = "sam"

    def __init__(self, encoder_path: str, decoder_path: str, *, threads: int = 1) -> None:
        self._encoder = _session(encoder_path, threads, "encoder")
        self._decoder = _session(decoder_path, threads, "decoder")
        enc_input = self._encoder.get_inputs()[0]
        if len(enc_input.shape) != 4 or enc_input.shape[1] != 3:
            raise ModelUnavailable(
                "segmenter_model_layout",
                f"SAM encoder input must be (1, 3, S, S), not {enc_input.shape}",
            )
        side = enc_input.shape[2]
        self.input_side = side if isinstance(side, int) else 1024
        self._encoder_input = enc_input.name
        names = {i.name for i in self._decoder.get_inputs()}
        if not names >= DECODER_INPUTS:
            raise ModelUnavailable(
                "segmenter_model_layout",
                f"SAM decoder lacks inputs {sorted(DECODER_INPUTS - names)}",
            )
        self._previous_box: tuple[float, float, float, float] | None = None
        self.encoder_runs = 0

    def reset(self) -> None:
        """Forget the tracked person (call between clips)."""
        self._previous_box = None

    def resize_scale(self, height: int, width: int) -> tuple[float, float, int, int]:
        """SAM's ResizeLongestSide: (x scale, y scale, new width, new height)."""
        scale = self.input_side / max(height, width)
        new_w, new_h = int(width * scale + 0.5), int(height * scale + 0.5)
        return new_w / width, new_h / height, new_w, new_h

    def embed(self, image: NDArray[np.uint8]) -> NDArray[np.float32]:
        height, width = image.shape[:2]
        _, _, new_w, new_h = self.resize_scale(height, width)
        resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        canvas = np.zeros((self.input_side, self.input_side, 3), np.float32)
        canvas[:new_h, :new_w] = (resized.astype(np.float32) - PIXEL_MEAN) / PIXEL_STD
        self.encoder_runs += 1
        return self._encoder.run(None, {self._encoder_input: canvas.transpose(2, 0, 1)[None]})[0]

    def prompts(
        self, keypoints: NDArray[np.float32], image_shape: tuple[int, ...]
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Point coordinates (1, N, 2) in resized pixels and labels (1, N)."""
        height, width = image_shape[:2]
        sx, sy, _, _ = self.resize_scale(height, width)
        chosen = keypoints[list(PROMPT_KEYPOINTS)]
        inside = (
            (chosen[:, 2] >= 0.5)
            & (chosen[:, 0] >= 0)
            & (chosen[:, 0] < width)
            & (chosen[:, 1] >= 0)
            & (chosen[:, 1] < height)
        )
        points = [(x, y) for x, y, _ in chosen[inside]]
        labels = [1.0] * len(points)
        box = self._previous_box or keypoint_box(keypoints, image_shape)
        if box is not None:
            points += [(box[0], box[1]), (box[2], box[3])]
            labels += [2.0, 3.0]
        else:
            points.append((0.0, 0.0))
            labels.append(-1.0)  # SAM's padding point when there is no box
        coords = np.array(points, np.float32) * np.array([sx, sy], np.float32)
        return coords[None], np.array(labels, np.float32)[None]

    def segment(self, image: NDArray[np.uint8], keypoints: NDArray[np.float32]) -> BoolMask:
        height, width = image.shape[:2]
        coords, labels = self.prompts(keypoints, image.shape)
        if not (labels > 0).any():
            return np.zeros((height, width), bool)
        outputs = self._decoder.run(
            None,
            {
                "image_embeddings": self.embed(image),
                "point_coords": coords,
                "point_labels": labels,
                "mask_input": np.zeros((1, 1, 256, 256), np.float32),
                "has_mask_input": np.zeros(1, np.float32),
                "orig_im_size": np.array([height, width], np.float32),
            },
        )
        masks, scores = outputs[0], outputs[1]
        logits = masks[0, int(np.argmax(scores[0]))]
        if logits.shape != (height, width):
            logits = self._to_frame(logits, height, width)
        mask = clean_mask((logits > 0).astype(np.uint8) * 255, keypoints)
        self._previous_box = mask_box(mask) or self._previous_box
        return mask

    def _to_frame(self, logits: NDArray[np.float32], height: int, width: int) -> NDArray:
        """Masks in SAM's padded square (low-res exports): crop the padding, resize."""
        _, _, new_w, new_h = self.resize_scale(height, width)
        cells = logits.shape[0] / self.input_side  # mask cells per resized-image pixel
        crop = logits[: round(new_h * cells), : round(new_w * cells)]
        return cv2.resize(crop, (width, height), interpolation=cv2.INTER_LINEAR)

    def close(self) -> None:
        self._encoder = self._decoder = None  # type: ignore[assignment]
