"""Back masks: the trunk band of a silhouette, turned upright and resized, indexed by theta.

`select_masks` is the one place that decides which K masks of a clip are used, both by
the pipeline (which masks to keep) and by the classifier (stratified and deterministic at
inference, drawn at random within the same theta shares during training).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

THETA_BIN_DEG = 5.0


@dataclass(frozen=True)
class BackMask:
    """One back mask: (S, S) bool, person facing right, neck at the top, hip at the bottom."""

    frame: int
    t: float
    theta: float
    mask: NDArray[np.bool_]

    @property
    def theta_bin(self) -> int:
        return theta_bin(self.theta)


def theta_bin(theta: float, width: float = THETA_BIN_DEG) -> int:
    """Index of the `width`-degree bin holding theta: 0 for [0, 5), 1 for [5, 10) ..."""
    return int(np.floor(theta / width))


def back_mask(
    silhouette: NDArray[np.bool_],
    neck: Sequence[float],
    hip: Sequence[float],
    *,
    size: int = 128,
    margin: float = 0.15,
    facing: int = 1,
) -> NDArray[np.bool_] | None:
    """Rotate so hip->neck points up, crop shoulder to hip with `margin`, resize to size^2.

    neck and hip are (x, y) in the silhouette's pixels. The crop is a square of side
    (1 + 2 margin) x the neck-hip distance, centred on the trunk axis, so the back and belly
    outlines both fit. With `facing` = -1 (person faces left) the mask is mirrored so every
    mask shows the person facing right. One affine warp does rotation, crop and scale.
    Returns None when neck and hip coincide.
    """
    neck_xy, hip_xy = np.asarray(neck[:2], float), np.asarray(hip[:2], float)
    axis = neck_xy - hip_xy
    length = float(np.linalg.norm(axis))
    if length < 1.0 or not np.isfinite(length):
        return None
    up = axis / length
    right = np.array([-up[1], up[0]]) * (1 if facing >= 0 else -1)
    side = length * (1 + 2 * margin)
    top = neck_xy + margin * length * up
    step = side / size  # silhouette pixels per output pixel
    # Maps output (u, v) to silhouette (x, y): top + (u step - side/2) right - v step up.
    origin = top + (step / 2 - side / 2) * right - (step / 2) * up
    matrix = np.array(
        [[step * right[0], -step * up[0], origin[0]], [step * right[1], -step * up[1], origin[1]]]
    )
    warped = cv2.warpAffine(
        silhouette.astype(np.uint8) * 255,
        matrix,
        (size, size),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    return warped >= 128


def select_masks(
    thetas: Sequence[float],
    k: int,
    *,
    rng: np.random.Generator | None = None,
    bin_width: float = THETA_BIN_DEG,
) -> list[int]:
    """Indices of the K masks to use, given each mask's theta, stratified by theta.

    Masks are grouped in `bin_width` degree bins and K is shared out over the bins as
    evenly as possible (round-robin), so the deepest part of a bend, held only briefly,
    counts as much as the upright frames around it.
    - rng None (inference): deterministic. When fewer than one mask per bin is left, bins
      evenly spread over the theta range win; within a bin, masks evenly spaced in time.
      Same input, same answer. The result is sorted.
    - rng given (training): the same shares, but the leftover bins and the masks within
      each bin are drawn at random, so training sees what inference sees, in new draws.
      With fewer than K masks, K are drawn with replacement. The result is in draw order.
    With K >= the number of masks and no rng, every index is returned once.
    """
    n = len(thetas)
    if n == 0 or k <= 0:
        return []
    if rng is not None and n < k:
        return [int(i) for i in rng.choice(n, size=k, replace=True)]
    if k >= n:
        return list(range(n))
    bins: dict[int, list[int]] = {}
    for index, theta in enumerate(thetas):
        bins.setdefault(theta_bin(theta, bin_width), []).append(index)
    members = [bins[b] for b in sorted(bins)]
    quota = [0] * len(members)
    remaining = k
    while remaining > 0:
        open_bins = [i for i, m in enumerate(members) if quota[i] < len(m)]
        if remaining >= len(open_bins):
            chosen = open_bins
        elif rng is None:
            chosen = [open_bins[p] for p in spread(len(open_bins), remaining)]
        else:
            chosen = [int(i) for i in rng.choice(open_bins, size=remaining, replace=False)]
        for i in chosen:
            quota[i] += 1
        remaining -= len(chosen)
    selected: list[int] = []
    for group, count in zip(members, quota, strict=True):
        if rng is None:
            selected += [group[p] for p in spread(len(group), count)]
        else:
            selected += [int(i) for i in rng.choice(group, size=count, replace=False)]
    if rng is None:
        return sorted(selected)
    return [selected[i] for i in rng.permutation(len(selected))]


def spread(n: int, count: int) -> list[int]:
    """`count` distinct positions out of range(n), evenly spaced and centred (count <= n)."""
    return [int((i + 0.5) * n / count) for i in range(count)]


def montage(
    masks: Sequence[NDArray[np.bool_]], columns: int = 10, gap: int = 2
) -> NDArray[np.uint8]:
    """Grid image (uint8, 0/255, grey gaps) of equally sized masks, for reviews and tests."""
    if not masks:
        return np.zeros((1, 1), np.uint8)
    size = masks[0].shape[0]
    rows = -(-len(masks) // columns)
    cols = min(columns, len(masks))
    sheet = np.full((rows * (size + gap) + gap, cols * (size + gap) + gap), 96, np.uint8)
    for i, mask in enumerate(masks):
        r, c = divmod(i, columns)
        y, x = gap + r * (size + gap), gap + c * (size + gap)
        sheet[y : y + size, x : x + size] = mask.astype(np.uint8) * 255
    return sheet
