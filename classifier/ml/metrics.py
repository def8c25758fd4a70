"""Classification metrics as the paper reports them.

Conventions: label 1 = FP, 0 = EP; the network's probability is P(FP) and > 0.5 means FP.
Sensitivity is the recall of EP (EP is the positive class), specificity the recall of FP,
F1 is for EP as the positive class. AUC and MCC do not depend on that choice (AUC is
computed on P(FP) against FP). Macro = mean over folds with a t-distribution 95% CI;
micro = the confusion matrix and metrics of all participants pooled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    matthews_corrcoef,
    recall_score,
    roc_auc_score,
    roc_curve,
)

METRIC_NAMES: tuple[str, ...] = ("accuracy", "sensitivity", "specificity", "f1", "auc", "mcc")
THRESHOLD = 0.5
_RANGES = {"mcc": (-1.0, 1.0)}  # every other metric lies in [0, 1]


def predictions(probabilities: ArrayLike, threshold: float = THRESHOLD) -> NDArray[np.int64]:
    """1 (FP) where P(FP) > threshold, else 0 (EP)."""
    return (np.asarray(probabilities, np.float64) > threshold).astype(np.int64)


def binary_metrics(
    labels: ArrayLike, probabilities: ArrayLike, threshold: float = THRESHOLD
) -> dict[str, float]:
    """Accuracy, sensitivity (EP), specificity (FP), F1 (EP), AUC, MCC; NaN where undefined."""
    y = np.asarray(labels, np.int64)
    p = np.asarray(probabilities, np.float64)
    pred = predictions(p, threshold)
    has_ep, has_fp = bool((y == 0).any()), bool((y == 1).any())
    return {
        "accuracy": float(accuracy_score(y, pred)),
        "sensitivity": float(recall_score(y, pred, pos_label=0, zero_division=0))
        if has_ep
        else math.nan,
        "specificity": float(recall_score(y, pred, pos_label=1, zero_division=0))
        if has_fp
        else math.nan,
        "f1": float(f1_score(y, pred, pos_label=0, zero_division=0)),
        "auc": float(roc_auc_score(y, p)) if has_ep and has_fp else math.nan,
        "mcc": float(matthews_corrcoef(y, pred)),
    }


def summarise(values: Sequence[float], metric: str = "accuracy") -> dict[str, Any]:
    """Mean, SD (ddof 1), 95% CI (t-distribution, clipped to the metric's range) over folds.

    NaN folds (e.g. AUC of a one-class fold) are left out; `n` says how many counted.
    """
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], np.float64)
    n = len(v)
    if n == 0:
        return {"mean": None, "sd": None, "ci95": [None, None], "n": 0}
    mean = float(v.mean())
    if n == 1:
        return {"mean": mean, "sd": None, "ci95": [None, None], "n": 1}
    sd = float(v.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    low, high = _RANGES.get(metric, (0.0, 1.0))
    return {
        "mean": mean,
        "sd": sd,
        "ci95": [max(low, mean - half), min(high, mean + half)],
        "n": n,
    }


def macro_metrics(per_fold: Sequence[dict[str, float]]) -> dict[str, dict[str, Any]]:
    return {name: summarise([f[name] for f in per_fold], name) for name in METRIC_NAMES}


def micro_summary(labels: ArrayLike, probabilities: ArrayLike) -> dict[str, Any]:
    """Confusion matrix summed over all participants (rows true, columns predicted)."""
    y = np.asarray(labels, np.int64)
    pred = predictions(probabilities)
    matrix = confusion_matrix(y, pred, labels=[0, 1])
    return {
        "confusion_matrix": {
            "labels": ["EP", "FP"],
            "rows": "true",
            "columns": "predicted",
            "matrix": matrix.tolist(),
        },
        "metrics": _json_floats(binary_metrics(y, probabilities)),
        "n": len(y),
    }


def mean_roc(
    fold_labels: Sequence[ArrayLike], fold_probabilities: Sequence[ArrayLike], points: int = 101
) -> dict[str, list[float]]:
    """Mean ROC over folds (FP positive) on a common FPR grid, with the SD of the TPR.

    Folds with one class only are skipped.
    """
    grid = np.linspace(0.0, 1.0, points)
    curves, aucs = [], []
    for y, p in zip(fold_labels, fold_probabilities, strict=True):
        y = np.asarray(y, np.int64)
        if len(np.unique(y)) < 2:
            continue
        fpr, tpr, _ = roc_curve(y, np.asarray(p, np.float64))
        curve = np.interp(grid, fpr, tpr)
        curve[0] = 0.0
        curves.append(curve)
        aucs.append(float(roc_auc_score(y, p)))
    if not curves:
        return {"fpr": grid.tolist(), "mean_tpr": [], "sd_tpr": [], "aucs": []}
    stacked = np.stack(curves)  # (folds, points)
    mean = stacked.mean(axis=0)
    mean[-1] = 1.0
    return {
        "fpr": grid.tolist(),
        "mean_tpr": mean.tolist(),
        "sd_tpr": stacked.std(axis=0).tolist(),
        "aucs": aucs,
    }


def _json_floats(values: dict[str, float]) -> dict[str, float | None]:
    return {k: (v if math.isfinite(v) else None) for k, v in values.items()}


def fold_metrics_json(values: dict[str, float]) -> dict[str, float | None]:
    """NaN -> None for JSON."""
    return _json_floats(values)
