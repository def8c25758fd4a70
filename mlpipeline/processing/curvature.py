"""Spinal curvature read from the back outline of a back mask, and the lumbar share of a bend.

A back mask (see backmasks.back_mask) shows the trunk turned so that the hip->neck axis
points up, the person facing right, cropped with `margin` x the neck-hip length L above
the neck and below the hip. Its back outline is, for every row, the first column of the
silhouette (the back is on the left), kept only as far as it runs on without a jump from
the thoraco-lumbar junction up and down (a step of more than MAX_OUTLINE_STEP of the mask
size between neighbouring rows): hair or a head extended backwards, a hand or an arm behind
the back, stick out of the back's own line and are left out. Row r lies at the fraction

    f(r) = (r + 0.5) / S x (1 + 2 margin) - margin

of the way from the neck (f = 0) to the hip (f = 1).

Definitions (angles in degrees; trunk tilt and the crop's rotation cancel out of every
difference of two tangent directions of the same outline):

- tangent direction phi(f): the slope of a least-squares line through the outline's points
  with |f' - f| <= TANGENT_HALF_WIDTH, as atan(dx / drow); positive when the back moves
  towards the front going down. The crop's vertical is the neck-hip chord, so phi is
  measured from the chord.
- lumbar angle = phi(THORACOLUMBAR_F) - phi(SACRAL_F): how far the outline turns between
  the thoraco-lumbar junction (about T12/L1, f = 0.5) and the sacrum (f = 0.9). Larger
  means more lordosis (a hollower low back).
- thoracic angle = phi(THORACOLUMBAR_F) - phi(UPPER_THORACIC_F): the turn between the
  upper thoracic spine (f = 0.2) and T12/L1. Larger means more kyphosis (a rounder back).
- upper-back tilt = phi(UPPER_THORACIC_F): the upper back's direction against the chord.
  (UPPER_THORACIC_F = 0.2, below the shoulder blades' upper edge, where an extended head
  does not reach.)
- standing: the median over the clip's masks with theta within STANDING_BAND_DEG of its
  lowest theta; peak: the median over masks with theta at least PEAK_FRACTION of the way
  from the standing theta to the clip's highest theta.
- changes at the peak, each positive when that region moves the way the bend asks
  (s = +1 for the backward bend, -1 for the forward bend):
  lumbar change = s (lumbar(peak) - lumbar(standing)); thoracic change = s (thoracic(standing)
  - thoracic(peak)); trunk rotation = theta(peak) - theta(standing) + s (tilt(peak) -
  tilt(standing)), the turn of the upper back against the legs (theta, Eq. 1, is the angle
  of the chord against the hip-ankle line; the tilt adds how far the upper back turned
  beyond the chord), which is the sum of the hip, lumbar and thoracic movement.
- lumbar share = lumbar change / trunk rotation: the fraction of the bend taken by the
  lumbar spine, the rest being hips and thoracic spine (None when the trunk turned less
  than MIN_TRUNK_ROTATION_DEG). As the generator's `forward_lumbar_share` and
  `backward_shares` define it.

The fractions follow surface anatomy between the shoulder joint (about T2) and the hip
joint (about S4): T12/L1 lies about half way, S1/S2 about 0.85-0.9 of the way down.
No Django, no torch: numpy only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

UPPER_THORACIC_F = 0.2
THORACOLUMBAR_F = 0.5
SACRAL_F = 0.9
TANGENT_HALF_WIDTH = 0.1  # of the neck-hip length, each side
MIN_OUTLINE_POINTS = 6  # per tangent window
MAX_OUTLINE_STEP = 1 / 32  # of the mask size, between neighbouring rows
STANDING_BAND_DEG = 4.0
PEAK_FRACTION = 0.8
MIN_TRUNK_ROTATION_DEG = 5.0
DEFAULT_MARGIN = 0.15  # backmasks.back_mask's default crop margin

# The per-participant numbers the classifier's `curvature` stream takes, in this order.
CURVATURE_VECTOR_NAMES: tuple[str, ...] = (
    "standing_lumbar_deg",
    "standing_thoracic_deg",
    "lumbar_change_deg",
    "thoracic_change_deg",
    "trunk_rotation_deg",
    "lumbar_share",
    "thoracic_share",
)


@dataclass(frozen=True)
class OutlineAngles:
    """The curvature angles of one back mask (None where the outline is too short)."""

    lumbar_deg: float | None
    thoracic_deg: float | None
    upper_tilt_deg: float | None


def back_outline(
    mask: NDArray[np.bool_], margin: float = DEFAULT_MARGIN
) -> tuple[NDArray, NDArray]:
    """(f, x): neck-hip fraction and back-edge column of the rows of the back's own line
    (the continuous run of the outline through the thoraco-lumbar junction)."""
    solid = np.asarray(mask) > 0
    size = solid.shape[0]
    rows = np.flatnonzero(solid.any(axis=1))
    x = solid[rows].argmax(axis=1).astype(float)
    f = (rows + 0.5) / size * (1 + 2 * margin) - margin
    if rows.size == 0:
        return f, x
    keep = continuous_run(rows, x, int(np.argmin(np.abs(f - THORACOLUMBAR_F))),
                          MAX_OUTLINE_STEP * size)
    return f[keep], x[keep]


def continuous_run(rows: NDArray, x: NDArray, start: int, max_step: float) -> NDArray[np.bool_]:
    """Which outline points connect to `start` through neighbouring rows whose columns differ
    by at most max_step."""
    keep = np.zeros(rows.size, bool)
    keep[start] = True
    for step in (-1, 1):
        i = start
        while 0 <= i + step < rows.size:
            j = i + step
            if abs(rows[j] - rows[i]) != 1 or abs(x[j] - x[i]) > max_step:
                break
            keep[j] = True
            i = j
    return keep


def tangent_deg(f: NDArray, x: NDArray, at: float, size: int, margin: float) -> float | None:
    """Direction (degrees) of the outline around fraction `at` (see the module docstring)."""
    near = np.abs(f - at) <= TANGENT_HALF_WIDTH
    if near.sum() < MIN_OUTLINE_POINTS:
        return None
    rows = f[near] * size / (1 + 2 * margin)  # rows in pixels (same scale as x)
    slope = np.polyfit(rows, x[near], 1)[0]
    return float(np.degrees(np.arctan(slope)))


def outline_angles(mask: NDArray[np.bool_], margin: float = DEFAULT_MARGIN) -> OutlineAngles:
    """Lumbar and thoracic angle of one back mask."""
    f, x = back_outline(mask, margin)
    size = np.asarray(mask).shape[0]
    top, middle, low = (
        tangent_deg(f, x, at, size, margin)
        for at in (UPPER_THORACIC_F, THORACOLUMBAR_F, SACRAL_F)
    )
    return OutlineAngles(
        lumbar_deg=None if middle is None or low is None else middle - low,
        thoracic_deg=None if middle is None or top is None else middle - top,
        upper_tilt_deg=top,
    )


@dataclass(frozen=True)
class CurvatureSummary:
    """Standing angles, their change at the deepest part of the bend and the lumbar share."""

    standing_lumbar_deg: float | None
    standing_thoracic_deg: float | None
    peak_lumbar_deg: float | None
    peak_thoracic_deg: float | None
    lumbar_change_deg: float | None
    thoracic_change_deg: float | None
    trunk_rotation_deg: float | None
    lumbar_share: float | None
    theta_change_deg: float | None
    standing_masks: int
    peak_masks: int

    @property
    def thoracic_share(self) -> float | None:
        if self.thoracic_change_deg is None or self.lumbar_share is None:
            return None
        return self.thoracic_change_deg / self.trunk_rotation_deg  # type: ignore[operator]

    def as_dict(self) -> dict[str, float | int | None]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        data["thoracic_share"] = self.thoracic_share
        return data

    def vector(self) -> list[float | None]:
        """The classifier's curvature stream, in CURVATURE_VECTOR_NAMES order."""
        values = self.as_dict()
        return [values[name] for name in CURVATURE_VECTOR_NAMES]  # type: ignore[misc]


def _median(values: Sequence[float | None]) -> float | None:
    kept = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.median(kept)) if kept else None


def summarise_curvature(
    thetas: Sequence[float],
    angles: Sequence[OutlineAngles],
    task: str,
) -> CurvatureSummary:
    """Standing and peak angles of a clip and the lumbar share of its bend.

    thetas and angles are per back mask, in any order. See the module docstring.
    """
    theta = np.asarray(thetas, float)
    empty = CurvatureSummary(None, None, None, None, None, None, None, None, None, 0, 0)
    if theta.size == 0:
        return empty
    low, high = float(theta.min()), float(theta.max())
    standing = np.flatnonzero(theta <= low + STANDING_BAND_DEG)
    peak = np.flatnonzero(theta >= low + PEAK_FRACTION * (high - low))
    if high - low < 2 * STANDING_BAND_DEG:  # no bend to speak of
        peak = np.array([], int)

    def median_of(indices: NDArray, name: str) -> float | None:
        return _median([getattr(angles[i], name) for i in indices])

    stand_l, stand_t = median_of(standing, "lumbar_deg"), median_of(standing, "thoracic_deg")
    peak_l, peak_t = median_of(peak, "lumbar_deg"), median_of(peak, "thoracic_deg")
    sign = 1.0 if task == "backward" else -1.0  # the way each region moves in this bend
    lumbar = None if stand_l is None or peak_l is None else sign * (peak_l - stand_l)
    thoracic = None if stand_t is None or peak_t is None else sign * (stand_t - peak_t)
    theta_change = float(np.median(theta[peak]) - np.median(theta[standing])) if peak.size else None
    tilt_stand, tilt_peak = median_of(standing, "upper_tilt_deg"), median_of(peak, "upper_tilt_deg")
    rotation = None
    if theta_change is not None and tilt_stand is not None and tilt_peak is not None:
        rotation = theta_change + sign * (tilt_peak - tilt_stand)
    share = None
    if lumbar is not None and rotation is not None and rotation >= MIN_TRUNK_ROTATION_DEG:
        share = lumbar / rotation
    return CurvatureSummary(
        standing_lumbar_deg=stand_l,
        standing_thoracic_deg=stand_t,
        peak_lumbar_deg=peak_l,
        peak_thoracic_deg=peak_t,
        lumbar_change_deg=lumbar,
        thoracic_change_deg=thoracic,
        trunk_rotation_deg=rotation,
        lumbar_share=share,
        theta_change_deg=theta_change,
        standing_masks=int(standing.size),
        peak_masks=int(peak.size),
    )
