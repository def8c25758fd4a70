"""What evaluation, a fold and a whole cross-validation return."""

from __future__ import annotations

import dataclasses
import statistics
from dataclasses import dataclass
from typing import Any

from classifier.ml import metrics
from classifier.ml.calibration import fit_temperature
from classifier.ml.config import TrainConfig


@dataclass
class EvalOutput:
    participant_ids: list[str]
    labels: list[int]
    probabilities: list[float]  # P(FP)
    logits: list[float]
    loss: float


@dataclass
class FoldResult:
    fold: int  # 1-based
    participant_ids: list[str]
    labels: list[int]
    probabilities: list[float]
    metrics: dict[str, float]
    epochs_run: int
    best_epoch: int  # epochs trained for the kept weights
    temperature: float = 1.0  # fitted on the fold's inner validation split (1: none)
    logits: list[float] = dataclasses.field(default_factory=list)  # divided by temperature


@dataclass
class CVResult:
    config: TrainConfig
    folds: list[FoldResult]
    macro: dict[str, dict[str, Any]]
    micro: dict[str, Any]
    roc: dict[str, list[float]]

    @property
    def accuracy(self) -> float:
        return float(self.macro["accuracy"]["mean"])

    @property
    def final_epochs(self) -> int:
        """Median epochs of the kept fold models: how long train_final should run on everyone."""
        return max(1, round(statistics.median(f.best_epoch for f in self.folds)))

    @property
    def final_temperature(self) -> float:
        """The temperature for train_final's model, fitted on every participant's held-out
        logit (as the fold model computed it, before its own temperature). The final model
        is trained the same way on everyone, so its logits are as overconfident as theirs.
        1.0 for results stored before logits were kept."""
        if not all(f.logits for f in self.folds):
            return 1.0
        raw = [z * f.temperature for f in self.folds for z in f.logits]
        return fit_temperature(raw, [y for f in self.folds for y in f.labels])


def summarise_folds(cfg: TrainConfig, folds: list[FoldResult]) -> CVResult:
    return CVResult(
        config=cfg,
        folds=folds,
        macro=metrics.macro_metrics([f.metrics for f in folds]),
        micro=metrics.micro_summary(
            [y for f in folds for y in f.labels], [p for f in folds for p in f.probabilities]
        ),
        roc=metrics.mean_roc([f.labels for f in folds], [f.probabilities for f in folds]),
    )
