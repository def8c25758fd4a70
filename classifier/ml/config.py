"""Training configuration: the TrainConfig dataclass, the `paper` and `quick` profiles,
and the checks that the participants fit a configuration."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from classifier.ml.data import Participant
from classifier.ml.model import VECTOR_DIM_FIELDS, VECTOR_STREAMS, ModelConfig


@dataclass(frozen=True)
class TrainConfig:
    """How to train. `batch_size` counts participants (each brings K masks)."""

    model: ModelConfig = field(default_factory=ModelConfig)
    profile: str = "custom"
    task: str = "backward"  # recorded in reports; the caller supplies matching masks
    masks: int = 80  # K for evaluation and serving
    train_masks: int | None = None  # K drawn per participant per training step (None = masks)
    epochs: int = 200
    batch_size: int = 32
    lr: float = 1e-4
    weight_decay: float = 0.0
    folds: int = 5
    seed: int = 0
    patience: int | None = None  # early stopping on an inner validation split; None = off
    val_fraction: float = 0.2
    augment: bool = True
    threads: int | None = None  # torch threads while training; None leaves the setting alone
    device: str = "auto"  # "auto" (CUDA if available), "cpu", "cuda", "cuda:1" ...
    progress_bar: bool = True

    @property
    def k_train(self) -> int:
        return self.train_masks or self.masks

    def replace(self, **changes: Any) -> TrainConfig:
        if "model" in changes and isinstance(changes["model"], dict):
            changes["model"] = dataclasses.replace(self.model, **changes["model"])
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["model"] = self.model.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in known}
        values["model"] = ModelConfig.from_dict(values.get("model", {}))
        return cls(**values)

    def fingerprint(self) -> str:
        """What must match for a checkpoint to be resumed (not threads or the progress bar)."""
        data = self.to_dict()
        for machine_only in ("threads", "progress_bar", "device"):
            data.pop(machine_only)
        return json.dumps(data, sort_keys=True)


PROFILES: tuple[str, ...] = ("curvature", "quick", "paper")
DEFAULT_PROFILE = "curvature"


def profile_config(name: str, **overrides: Any) -> TrainConfig:
    """`curvature` (the default): the outline-curvature stream. `quick`: back masks on a
    2-core CPU in minutes. `paper`: the published protocol (back masks, 200 epochs).

    curvature = the curvature vector of the bend (mlpipeline.processing.curvature) through
    a linear layer (hidden = 0: a logistic regression on the standardised values), Adam
    lr 1e-2 with weight decay 1e-2 (L2), batch 16, 200 epochs on all training participants
    (no early stopping: a held-out split of a few participants is noise for a linear model,
    and the temperature is fitted on the folds' held-out logits); seconds on a CPU. It
    measured best of the streams on generated cohorts (bench/acceptance.py, bench/results/):
    the CNN on back masks learns the bodies of a few dozen participants rather than their
    movement.

    quick = 64 px masks, 8 random masks per participant per step (test folds are still
    scored on K stratified masks), batch 8, Adam lr 1e-3 (few steps, so a larger step size),
    at most 30 epochs with early stopping (patience 6) on an inner validation split of the
    training folds, one torch thread. Measured on a shared 2-core machine with the other
    core busy: 53-56 masks/s at 64 px with one thread, 7 masks/s with two (oversubscribed).
    Pass threads=None to leave torch's setting alone on a machine of its own.
    """
    if name == "curvature":
        base = TrainConfig(
            model=ModelConfig(streams=("curvature",), image_size=64, hidden=0),
            profile="curvature",
            epochs=200,
            batch_size=16,
            lr=1e-2,
            weight_decay=1e-2,
            patience=None,
            threads=1,
        )
    elif name == "paper":
        base = TrainConfig(
            model=ModelConfig(image_size=128), profile="paper", epochs=200, batch_size=32, lr=1e-4
        )
    elif name == "quick":
        base = TrainConfig(
            model=ModelConfig(image_size=64),
            profile="quick",
            train_masks=8,
            epochs=30,
            batch_size=8,
            lr=1e-3,
            patience=6,
            threads=1,
        )
    else:
        raise ValueError(f"unknown profile {name!r} ({', '.join(PROFILES)})")
    return base.replace(**overrides)


def sized_for(cfg: TrainConfig, participants: Sequence[Participant]) -> TrainConfig:
    """cfg with the vector streams' sizes (motion_dim ...) taken from the participants."""
    changes: dict[str, int] = {}
    first = participants[0] if participants else None
    for stream in VECTOR_STREAMS:
        vector = getattr(first, stream) if first is not None else None
        if vector is not None:
            changes[VECTOR_DIM_FIELDS[stream]] = len(vector)
    return cfg.replace(model=changes) if changes else cfg


def check_participants(participants: Sequence[Participant], cfg: TrainConfig) -> None:
    """Clear errors before any training: both labels, unique ids, inputs the streams need."""
    ids = [p.participant_id for p in participants]
    if len(set(ids)) != len(ids):
        raise ValueError("participant ids must be unique")
    if {p.label for p in participants} != {0, 1}:
        raise ValueError("training needs participants of both phenotypes (FP and EP)")
    for p in participants:
        if "images" in cfg.model.streams and len(p.masks) == 0:
            raise ValueError(f"participant {p.participant_id} has no back masks")
        for stream in VECTOR_STREAMS:
            dim = getattr(cfg.model, VECTOR_DIM_FIELDS[stream])
            if stream in cfg.model.streams:
                vector = getattr(p, stream)
                if vector is None or len(vector) != dim:
                    raise ValueError(
                        f"participant {p.participant_id}: {stream} must have {dim} values"
                    )
