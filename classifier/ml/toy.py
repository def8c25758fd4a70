"""Tiny synthetic participants for tests, benchmarks and smoke runs (not a cohort generator).

Each mask is a trunk-shaped band, shoulders at the top, facing right: the back outline
bulges backwards (left) for FP and forwards (right) for EP, by an amount that grows with
theta, plus per-participant and per-mask noise. `separation` sets how easy the task is.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from classifier.ml.data import Participant


def trunk_mask(
    size: int, bulge: float, width: float = 0.35, tilt: float = 0.0
) -> NDArray[np.bool_]:
    """(size, size) bool band: back outline x = 0.3 + tilt*y - bulge*sin(pi*y), width `width`."""
    y = (np.arange(size) + 0.5) / size  # (S,) 0 at the shoulders
    x = (np.arange(size) + 0.5) / size  # (S,)
    back = 0.3 + tilt * (y - 0.5) - bulge * np.sin(np.pi * y)  # (S,)
    return (x[None, :] >= back[:, None]) & (x[None, :] <= back[:, None] + width)  # (S, S)


def toy_participants(
    n: int = 12,
    *,
    size: int = 32,
    masks_per_participant: int = 24,
    separation: float = 1.0,
    seed: int = 0,
    motion_dim: int = 9,
    prom_dim: int = 8,
    curvature_dim: int = 7,
) -> list[Participant]:
    """n participants alternating FP (1) / EP (0), with masks, thetas, motion, PROMs and a
    curvature vector whose lumbar share (index 5, as in CURVATURE_VECTOR_NAMES) is lower for
    FP, as in the flexion pattern's flat-backed extension."""
    rng = np.random.default_rng(seed)
    curvature_rng = np.random.default_rng([seed, 1])  # its own stream: masks stay as they were
    people = []
    for i in range(n):
        label = 1 if i % 2 == 0 else 0
        sign = 1.0 if label == 1 else -1.0
        person_bulge = sign * 0.08 * separation + rng.normal(0, 0.04)
        thetas = np.sort(rng.uniform(0, 60, masks_per_participant))
        masks = [
            trunk_mask(
                size,
                person_bulge * (0.3 + theta / 60) + rng.normal(0, 0.01),
                width=0.35 + rng.normal(0, 0.02),
                tilt=rng.normal(0, 0.05),
            )
            for theta in thetas
        ]
        motion = rng.normal(0, 1, motion_dim).astype(np.float32)
        motion[0] += 0.5 * sign * separation
        motion *= 10.0  # raw scale differs from 1, so normalisation matters
        proms = rng.normal(20, 5, prom_dim).astype(np.float32)
        proms[0] += 2.0 * sign * separation
        curvature = curvature_rng.normal(10, 3, curvature_dim).astype(np.float32)
        curvature[min(5, curvature_dim - 1)] = (0.45 - 0.12 * sign * separation
                                                + curvature_rng.normal(0, 0.1))
        people.append(
            Participant(
                participant_id=f"p{i:03d}",
                label=label,
                masks=masks,
                thetas=thetas.tolist(),
                motion=motion,
                proms=proms,
                curvature=curvature,
            )
        )
    return people
