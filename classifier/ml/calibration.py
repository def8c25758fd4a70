"""Making a trained model's probabilities mean what they say.

- `recalibrate_batchnorm`: BatchNorm statistics recomputed for the final weights.
- `fit_temperature`: one temperature T >= 1 dividing every logit, fitted on held-out
  participants; decisions never change.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np
import torch
from scipy import optimize

from classifier.ml.batches import forward_batch
from classifier.ml.model import BackTrackerNet


@torch.no_grad()
def recalibrate_batchnorm(
    model: BackTrackerNet, batches: Iterator[dict[str, torch.Tensor]]
) -> None:
    """Recompute the BatchNorm running statistics for the current weights ("precise BN").

    During training the running mean and variance are averages over the last ten or so
    steps (momentum 0.1) while the weights move under them. With the few steps per epoch
    of small cohorts (one step per epoch for 8 participants) and the quick profile's lr
    1e-3, they described earlier weights: eval-mode logits were shifted by a large constant
    per fold, the model misclassified its own training participants, every held-out
    participant of a fold came out on one side with p near 0 or 1, and the validation loss
    that early stopping watches was as shifted. Here they become the plain average over
    `batches` (give training-like batches of several participants, not augmented).
    """
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    if not norms:
        return
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the batches below
    model.train()
    for batch in batches:
        forward_batch(model, batch)
    for m, momentum in zip(norms, momenta, strict=True):
        m.momentum = momentum
    model.eval()


def fit_temperature(logits: Sequence[float], labels: Sequence[int]) -> float:
    """Temperature scaling: the T in [1, 100] minimising the BCE of sigmoid(logit / T).

    Fitted on held-out participants after training. A model that memorised a small
    training set gives logits of +-10 or more, so every probability is 0 or 1 even where
    it is wrong; T > 1 softens that. T never goes below 1: when every validation
    participant is right the BCE keeps falling as T -> 0, which is no evidence that the
    model should be more confident still. Decisions (the sign of the logit) never change.
    """
    z = np.asarray(logits, np.float64)
    y = np.asarray(labels, np.float64)
    if z.size == 0:
        return 1.0

    def loss(log_t: float) -> float:
        scaled = z / math.exp(log_t)
        return float(np.mean(np.logaddexp(0.0, scaled) - y * scaled))  # BCE with logits

    best = optimize.minimize_scalar(loss, bounds=(0.0, math.log(100.0)), method="bounded")
    return float(math.exp(best.x))
