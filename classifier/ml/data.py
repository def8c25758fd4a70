"""Participants, the K-mask dataset and augmentation for binary back masks.

A participant is one labelled person (FP = 1, EP = 0) with their back masks (each with its
theta) and optionally a motion-feature vector, a PROM vector and a curvature vector. The
network sees K masks per participant, shared out over theta bins: drawn at random within
those shares every
training epoch, deterministic for evaluation (both `mlpipeline.processing.backmasks.select_masks`).
A participant with fewer masks than K is evaluated (and served) on every mask once, so the
theta mix then follows the clip's time course (mostly standing frames) rather than the bin
shares that training draws; sharing K over the bins with masks repeating measured no
different on a 60-person acceptance cohort (bench/acceptance.py).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from numpy.typing import NDArray
from torch.nn import functional as F
from torch.utils.data import Dataset

from classifier.ml.model import VECTOR_STREAMS
from classifier.ml.preprocess import load_participant_masks, prepare_masks
from mlpipeline.processing.backmasks import select_masks

__all__ = [
    "LABELS",
    "Participant",
    "ParticipantDataset",
    "augment_masks",
    "fit_standardiser",
    "load_participant_masks",
    "merge_tasks",
]

LABELS: dict[str, int] = {"EP": 0, "FP": 1}
PHENOTYPES: dict[int, str] = {0: "EP", 1: "FP"}


@dataclass(eq=False)
class Participant:
    """One labelled person. masks: 2-D arrays (bool, 0/1 or 0/255), one theta each.

    `group` is what must never be split across folds (the patient); it defaults to the id.
    """

    participant_id: str
    label: int  # 1 = FP, 0 = EP
    masks: Sequence[NDArray] | NDArray = ()
    thetas: Sequence[float] = ()
    motion: NDArray | None = None  # (M,) raw values, NaN where missing
    proms: NDArray | None = None  # (N,) raw totals, NaN where missing
    curvature: NDArray | None = None  # (C,) outline curvature of the bend, NaN where missing
    group: str | None = None
    _prepared: dict[int, NDArray[np.uint8]] = field(default_factory=dict, repr=False, init=False)

    def __post_init__(self) -> None:
        if self.label not in (0, 1):
            raise ValueError(f"label must be 0 (EP) or 1 (FP), got {self.label!r}")
        if len(self.masks) != len(self.thetas):
            raise ValueError(
                f"{self.participant_id}: {len(self.masks)} masks, {len(self.thetas)} thetas"
            )
        if self.group is None:
            self.group = self.participant_id

    @property
    def phenotype(self) -> str:
        return PHENOTYPES[self.label]

    def prepared(self, size: int) -> NDArray[np.uint8]:
        """(n, size, size) uint8 masks, computed once per size."""
        if size not in self._prepared:
            self._prepared[size] = prepare_masks(self.masks, size)
        return self._prepared[size]


def merge_tasks(forward: Participant, backward: Participant) -> Participant:
    """One participant for the `both` task: forward and backward masks pooled.

    Motion and curvature vectors are concatenated (forward first), so M and C double;
    PROMs are shared.
    """
    if forward.label != backward.label:
        raise ValueError(f"{forward.participant_id}: labels differ between tasks")

    def joined(name: str) -> NDArray | None:
        first, second = getattr(forward, name), getattr(backward, name)
        if first is None or second is None:
            return None
        return np.concatenate([first, second]).astype(np.float32)

    return Participant(
        participant_id=forward.participant_id,
        label=forward.label,
        masks=[*forward.masks, *backward.masks],
        thetas=[*forward.thetas, *backward.thetas],
        motion=joined("motion"),
        proms=forward.proms if forward.proms is not None else backward.proms,
        curvature=joined("curvature"),
        group=forward.group,
    )


def fit_standardiser(vectors: Sequence[NDArray]) -> tuple[NDArray, NDArray]:
    """Column mean and SD (NaN ignored) of training-fold vectors; all-NaN columns -> 0, 1."""
    stacked = np.stack([np.asarray(v, np.float64) for v in vectors])  # (P, D)
    with warnings.catch_warnings():  # all-NaN columns warn; they are handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(stacked, axis=0)
        std = np.nanstd(stacked, axis=0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    std = np.where(np.isfinite(std) & (std > 1e-6), std, 1.0)
    return mean.astype(np.float32), std.astype(np.float32)


class ParticipantDataset(Dataset):
    """Items: {"masks": (K, 1, S, S) float, "label": float, and per vector stream in use
    "motion" (M,), "proms" (N,), "curvature" (C,)}.

    Call `resample(rng)` once per epoch to draw a new theta-stratified K-subset per
    participant (with replacement when a participant has fewer than K masks); with rng None
    the subsets are the deterministic ones used for evaluation and serving.
    """

    def __init__(
        self,
        participants: Sequence[Participant],
        *,
        k: int,
        image_size: int,
        streams: Sequence[str] = ("images",),
        rng: np.random.Generator | None = None,
    ) -> None:
        self.participants = list(participants)
        self.k = k
        self.image_size = image_size
        self.streams = tuple(streams)
        for p in self.participants:
            if "images" in self.streams and len(p.masks) == 0:
                raise ValueError(f"participant {p.participant_id} has no masks")
            for stream in VECTOR_STREAMS:
                if stream in self.streams and getattr(p, stream) is None:
                    raise ValueError(f"participant {p.participant_id} has no {stream} vector")
        self.indices: list[list[int]] = []
        self.resample(rng)

    def resample(self, rng: np.random.Generator | None) -> None:
        """Pick each participant's K masks: a random draw (rng) or the deterministic one (None)."""
        if "images" not in self.streams:
            self.indices = [[] for _ in self.participants]
            return
        self.indices = [select_masks(list(p.thetas), self.k, rng=rng) for p in self.participants]

    def __len__(self) -> int:
        return len(self.participants)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        p = self.participants[i]
        item = {"label": torch.tensor(float(p.label))}
        if "images" in self.streams:
            # (K, S, S) uint8; fewer than K only when evaluating a participant with fewer
            # masks, who is then scored on all of them, exactly as at serving time.
            chosen = p.prepared(self.image_size)[self.indices[i]]
            item["masks"] = torch.from_numpy(chosen).float().div_(255.0).unsqueeze(1)
        for stream in VECTOR_STREAMS:
            if stream in self.streams:
                item[stream] = torch.as_tensor(np.asarray(getattr(p, stream), np.float32))
        return item


def augment_masks(
    masks: torch.Tensor,
    generator: torch.Generator,
    *,
    max_rotation_deg: float = 5.0,
    max_scale: float = 0.05,
    max_shift: float = 0.04,
) -> torch.Tensor:
    """Small random affine jitter per mask; (..., 1, S, S) -> same shape.

    The jitter mimics what varies between real masks: a few degrees of trunk-axis error
    from the pose keypoints, a few percent of crop size and position. No flips: masks are
    normalised to face right with the shoulders at the top, so a mirrored mask (back on the
    other side) or an upside-down one never occurs and would teach the net nonsense.
    """
    shape = masks.shape
    flat = masks.reshape(-1, 1, shape[-2], shape[-1])  # (N, 1, S, S)
    n = flat.shape[0]

    def uniform(limit: float) -> torch.Tensor:
        return (torch.rand(n, generator=generator) * 2 - 1) * limit  # (N,)

    angle = uniform(math.radians(max_rotation_deg))
    scale = 1 + uniform(max_scale)
    shift_x, shift_y = uniform(2 * max_shift), uniform(2 * max_shift)  # grid spans [-1, 1]
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin, shift_x], 1), torch.stack([sin, cos, shift_y], 1)], 1
    )  # (N, 2, 3)
    grid = F.affine_grid(theta, list(flat.shape), align_corners=False)
    warped = F.grid_sample(flat, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return warped.reshape(shape)
