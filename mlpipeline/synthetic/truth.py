"""Ground-truth spinal curvature of a generated recording, in the outline's terms.

The generator stores the joint angles of every frame (`lumbar_deg` (T, 5), `thoracic_deg`
(T, 6), + = flexion); cohorts from generator version 3 on also store their sums as
`lumbar_lordosis_deg` and `thoracic_kyphosis_deg`. These helpers give the same quantities
that `mlpipeline.processing.curvature` reads from the back outline, so a bench can set one
beside the other:

- lumbar angle = lordosis = -(sum of the five lumbar joint angles), larger = hollower;
- thoracic angle = kyphosis = sum of the thoracic joint angles, larger = rounder;
- trunk rotation = the change of hip + lumbar + thoracic joint angles (the upper back
  against the thigh);
- standing frames: bend progress below STANDING_PROGRESS; peak frames: progress at least
  curvature.PEAK_FRACTION of the clip's deepest; changes and the lumbar share as defined
  in `mlpipeline.processing.curvature`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from mlpipeline.processing.curvature import MIN_TRUNK_ROTATION_DEG, PEAK_FRACTION

STANDING_PROGRESS = 0.02


def spine_angles(truth: Mapping[str, NDArray]) -> tuple[NDArray, NDArray]:
    """(lumbar lordosis, thoracic kyphosis) per frame, degrees, from a ground-truth npz."""
    if "lumbar_lordosis_deg" in truth:
        return np.asarray(truth["lumbar_lordosis_deg"]), np.asarray(truth["thoracic_kyphosis_deg"])
    lumbar = -np.asarray(truth["lumbar_deg"]).sum(axis=1)
    return lumbar, np.asarray(truth["thoracic_deg"]).sum(axis=1)


@dataclass(frozen=True)
class TrueCurvature:
    standing_lumbar_deg: float
    standing_thoracic_deg: float
    lumbar_change_deg: float
    thoracic_change_deg: float
    trunk_rotation_deg: float
    lumbar_share: float | None


def true_curvature(truth: Mapping[str, NDArray], task: str) -> TrueCurvature:
    """Standing angles, their change at the peak and the lumbar share of one recording."""
    lumbar, thoracic = spine_angles(truth)
    progress = np.asarray(truth["progress"])
    standing = progress < STANDING_PROGRESS
    peak = progress >= PEAK_FRACTION * progress.max()
    sign = 1.0 if task == "backward" else -1.0
    stand_l, stand_t = float(np.median(lumbar[standing])), float(np.median(thoracic[standing]))
    lumbar_change = sign * (float(np.median(lumbar[peak])) - stand_l)
    thoracic_change = sign * (stand_t - float(np.median(thoracic[peak])))
    hip = np.asarray(truth["hip_flexion_deg"])
    hip_change = sign * (float(np.median(hip[standing])) - float(np.median(hip[peak])))
    rotation = hip_change + lumbar_change + thoracic_change
    return TrueCurvature(
        standing_lumbar_deg=stand_l,
        standing_thoracic_deg=stand_t,
        lumbar_change_deg=lumbar_change,
        thoracic_change_deg=thoracic_change,
        trunk_rotation_deg=rotation,
        lumbar_share=lumbar_change / rotation if rotation >= MIN_TRUNK_ROTATION_DEG else None,
    )
