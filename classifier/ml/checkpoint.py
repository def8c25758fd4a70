"""Checkpoints: versioned dicts that carry what is needed to rebuild their model."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from classifier.ml.config import TrainConfig
from classifier.ml.model import BackTrackerNet, ModelConfig, build_model

CHECKPOINT_VERSION = 3  # 2: the model's temperature buffer; 3: early stopping on AUC


def save_checkpoint(
    path: str | os.PathLike[str],
    model: BackTrackerNet,
    cfg: TrainConfig | None = None,
    **extra: Any,
) -> None:
    """Versioned dict that rebuilds its model (see load_model); written atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    optimizer = extra.pop("optimizer", None)
    payload = {
        "version": CHECKPOINT_VERSION,
        "model": model.state_dict(),
        "model_config": model.cfg.to_dict(),
        "train_config": cfg.to_dict() if cfg is not None else None,
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        **extra,
    }
    partial = path.with_name(path.name + ".partial")
    torch.save(payload, partial)
    os.replace(partial, path)


def load_model(path: str | os.PathLike[str]) -> tuple[BackTrackerNet, dict[str, Any]]:
    """(model in eval mode, the checkpoint dict) from save_checkpoint's file."""
    saved = torch.load(path, map_location="cpu", weights_only=False)
    if saved.get("version") != CHECKPOINT_VERSION:
        raise ValueError(f"{path}: checkpoint version {saved.get('version')} not supported")
    model = build_model(ModelConfig.from_dict(saved["model_config"]))
    model.load_state_dict(saved["model"])
    model.eval()
    return model, saved
