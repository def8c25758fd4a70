"""Participants' tensors in batches, and one forward pass over a batch."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from torch.utils.data import default_collate

from classifier.ml.data import ParticipantDataset
from classifier.ml.model import BackTrackerNet


def iterate_batches(
    dataset: ParticipantDataset, order: Sequence[int], batch_size: int
) -> Iterator[dict[str, torch.Tensor]]:
    for start in range(0, len(order), batch_size):
        yield default_collate([dataset[int(i)] for i in order[start : start + batch_size]])


def forward_batch(
    model: BackTrackerNet, batch: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """(logit (B,), label (B,)) with the batch moved to the model's device."""
    device = next(model.parameters()).device
    on_device = {name: value.to(device) for name, value in batch.items()}
    logit = model(on_device.get("masks"), on_device.get("motion"), on_device.get("proms"),
                  on_device.get("curvature"))
    return logit, on_device["label"]
