"""Input preparation shared by training and serving (numpy + OpenCV only, no torch).

Training (data.py) and serving (inference.py) both go through `prepare_masks`, so an
exported model sees exactly what it was trained on: masks area-resized to S x S and
stored as uint8 0..255 (soft edges after down-scaling), then divided by 255.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from mlpipeline.processing.backmasks import select_masks
from mlpipeline.processing.curvature import CURVATURE_VECTOR_NAMES

# M = 9: the ten motion features of features.json less `variance`, which is sd squared.
MOTION_VECTOR_NAMES: tuple[str, ...] = (
    "mean",
    "range",
    "min",
    "max",
    "sd",
    "stability_time",
    "depth_variance",
    "repetition_time",
    "repetition_time_variance",
)
MOTION_SINGLE_NAME: tuple[str, ...] = ("range",)  # M = 1
# N = 8: the PROM totals of the cohort import format.
PROM_NAMES: tuple[str, ...] = ("vas", "odi", "pcs", "pseq", "sbt", "tsk", "csq", "pass20")


def prepare_masks(masks: Sequence[NDArray] | NDArray, size: int) -> NDArray[np.uint8]:
    """(n, size, size) uint8 0..255 from binary masks (bool, 0/1 or 0/255), area-resized."""
    out = np.zeros((len(masks), size, size), np.uint8)
    for i, mask in enumerate(masks):
        m = np.asarray(mask)
        if m.ndim != 2:
            raise ValueError(f"mask {i} must be 2-D, got shape {m.shape}")
        scaled = m.astype(np.float32)
        if scaled.max(initial=0.0) > 1.0:
            scaled = scaled / 255.0
        if scaled.shape != (size, size):
            scaled = cv2.resize(scaled, (size, size), interpolation=cv2.INTER_AREA)
        out[i] = np.clip(np.rint(scaled * 255.0), 0, 255).astype(np.uint8)
    return out


def to_network_input(prepared: NDArray[np.uint8]) -> NDArray[np.float32]:
    """(K, S, S) uint8 -> (K, 1, S, S) float32 in [0, 1]."""
    return (prepared.astype(np.float32) / 255.0)[:, None]


def choose_masks(thetas: Sequence[float] | None, n_masks: int, k: int) -> list[int]:
    """The K masks used at inference: theta-stratified when thetas are known, else evenly spaced.

    Fewer than K masks: every mask once (the network averages over whatever K it gets).
    """
    if thetas is not None:
        if len(thetas) != n_masks:
            raise ValueError(f"{len(thetas)} thetas for {n_masks} masks")
        return select_masks(list(thetas), k)
    if k >= n_masks:
        return list(range(n_masks))
    return [int((i + 0.5) * n_masks / k) for i in range(k)]


def read_mask_png(path: str | Path) -> NDArray[np.bool_]:
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise OSError(f"cannot read mask image {path}")
    return image >= 128


def load_participant_masks(folder: str | Path) -> tuple[list[NDArray[np.bool_]], list[float]]:
    """(masks, thetas) from an analyse_video folder: features.json `masks` + masks/*.png."""
    folder = Path(folder)
    document = json.loads((folder / "features.json").read_text())
    masks, thetas = [], []
    for entry in document.get("masks", []):
        if entry.get("theta") is None:
            continue
        masks.append(read_mask_png(folder / entry["file"]))
        thetas.append(float(entry["theta"]))
    return masks, thetas


def named_vector(values: Mapping[str, float | None], names: Sequence[str]) -> NDArray[np.float32]:
    """Values in `names` order as float32; missing or None become NaN (imputed by the net)."""
    return np.array(
        [np.nan if values.get(n) is None else float(values[n]) for n in names],  # type: ignore[arg-type]
        np.float32,
    )


def motion_vector(
    features: Mapping[str, float | None], names: Sequence[str] = MOTION_VECTOR_NAMES
) -> NDArray[np.float32]:
    return named_vector(features, names)


def curvature_vector(
    summary: Mapping[str, float | None], names: Sequence[str] = CURVATURE_VECTOR_NAMES
) -> NDArray[np.float32]:
    return named_vector(summary, names)


def prom_vector(
    totals: Mapping[str, float | None], names: Sequence[str] = PROM_NAMES
) -> NDArray[np.float32]:
    return named_vector(totals, names)
