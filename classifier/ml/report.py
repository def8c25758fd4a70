"""The cross-validation report: report.json, report.md and roc.png (DESIGN.md, `train`).

report.json: setup, `per_fold` metrics, `macro` metrics (mean, sd, ci95 over folds),
`micro` (confusion matrix and metrics of all participants pooled), the mean ROC curve,
per-participant predictions, and the paper's figures where the configuration matches.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from classifier.ml.metrics import METRIC_NAMES, fold_metrics_json

if TYPE_CHECKING:
    from classifier.ml.results import CVResult

REPORT_FORMAT_VERSION = 1

# Liu, Hicks, Sheeran (2026), BMCD: 78 participants. None = any value of that setting.
PAPER_RESULTS: list[dict[str, Any]] = [
    {
        "task": "backward",
        "masks": 80,
        "streams": ("images",),
        "metrics": {"accuracy": 0.9191, "auc": 0.9422, "f1": 0.9291},
    },
    {"task": "forward", "masks": 320, "streams": ("images",), "metrics": {"accuracy": 0.8669}},
    {"task": "both", "masks": None, "streams": ("images",), "metrics": {"accuracy": 0.8629}},
    {"task": "backward", "masks": None, "streams": ("motion",), "metrics": {"accuracy": 0.7429}},
    {"task": "forward", "masks": None, "streams": ("motion",), "metrics": {"accuracy": 0.6501}},
    {"task": None, "masks": None, "streams": ("proms",), "metrics": {"accuracy": 0.6382}},
]
METRIC_LABELS = {
    "accuracy": "Accuracy",
    "sensitivity": "Sensitivity (EP)",
    "specificity": "Specificity (FP)",
    "f1": "F1 (EP)",
    "auc": "AUC",
    "mcc": "MCC",
}


def paper_reference(task: str, masks: int, streams: Sequence[str]) -> dict[str, float] | None:
    """The paper's figures for this configuration, or None when it reports none."""
    for row in PAPER_RESULTS:
        if (
            tuple(streams) == row["streams"]
            and row["task"] in (None, task)
            and row["masks"] in (None, masks)
        ):
            return dict(row["metrics"])
    return None


def report_document(result: CVResult, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """report.json content (JSON-ready; undefined metrics are null)."""
    cfg = result.config
    labels = [y for f in result.folds for y in f.labels]
    return {
        "format_version": REPORT_FORMAT_VERSION,
        "task": cfg.task,
        "masks": cfg.masks,
        "streams": list(cfg.model.streams),
        "profile": cfg.profile,
        "folds": len(result.folds),
        "n_participants": len(labels),
        "n_fp": sum(1 for y in labels if y == 1),
        "n_ep": sum(1 for y in labels if y == 0),
        "conventions": {
            "positive_for_sensitivity_and_f1": "EP",
            "probability": "P(FP); > 0.5 is FP",
            "ci95": "t-distribution over folds",
        },
        "config": cfg.to_dict(),
        "per_fold": [
            {
                "fold": f.fold,
                "n": len(f.labels),
                "epochs_run": f.epochs_run,
                "best_epoch": f.best_epoch,
                "temperature": f.temperature,
                **fold_metrics_json(f.metrics),
            }
            for f in result.folds
        ],
        "macro": result.macro,
        "micro": result.micro,
        "roc": result.roc,
        "paper": paper_reference(cfg.task, cfg.masks, cfg.model.streams),
        "predictions": [
            {
                "participant_id": pid,
                "fold": f.fold,
                "label": "FP" if y == 1 else "EP",
                "probability_fp": p,
            }
            for f in result.folds
            for pid, y, p in zip(f.participant_ids, f.labels, f.probabilities, strict=True)
        ],
        **(extra or {}),
    }


def _pct(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{100 * value:.{digits}f}%"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def format_metric(name: str, value: float | None) -> str:
    """Accuracy-like metrics as percentages, AUC and MCC as numbers (the paper's style)."""
    return _num(value) if name in ("auc", "mcc") else _pct(value)


def markdown_report(document: dict[str, Any], *, title: str | None = None) -> str:
    paper = document.get("paper") or {}
    lines = [
        f"# {title or 'BackTracker cross-validation report'}",
        "",
        f"Task **{document['task']}**, K = {document['masks']} masks, streams "
        f"**{', '.join(document['streams'])}**, profile `{document['profile']}`, "
        f"{document['folds']}-fold CV grouped by participant; {document['n_participants']} "
        f"participants ({document['n_fp']} FP, {document['n_ep']} EP).",
        "",
        "| Metric | Ours (macro mean) | 95% CI | SD | Paper |",
        "|---|---|---|---|---|",
    ]
    for name in METRIC_NAMES:
        m = document["macro"][name]
        low, high = m["ci95"]
        ci = "n/a" if low is None else f"{format_metric(name, low)} to {format_metric(name, high)}"
        sd = "n/a" if m["sd"] is None else format_metric(name, m["sd"])
        ref = format_metric(name, paper[name]) if name in paper else "—"
        lines.append(
            f"| {METRIC_LABELS[name]} | {format_metric(name, m['mean'])} | {ci} | {sd} | {ref} |"
        )
    if not paper:
        lines += ["", "The paper reports no figures for this configuration."]
    lines += [
        "",
        "## Per fold",
        "",
        "| Fold | n | " + " | ".join(METRIC_LABELS[n] for n in METRIC_NAMES) + " | Epochs |",
        "|---" * (len(METRIC_NAMES) + 3) + "|",
    ]
    for f in document["per_fold"]:
        cells = " | ".join(format_metric(n, f[n]) for n in METRIC_NAMES)
        lines.append(f"| {f['fold']} | {f['n']} | {cells} | {f['best_epoch']}/{f['epochs_run']} |")
    matrix = document["micro"]["confusion_matrix"]["matrix"]
    lines += [
        "",
        "## Confusion matrix (all participants, summed over folds)",
        "",
        "| true \\ predicted | EP | FP |",
        "|---|---|---|",
        f"| EP | {matrix[0][0]} | {matrix[0][1]} |",
        f"| FP | {matrix[1][0]} | {matrix[1][1]} |",
        "",
        f"Pooled accuracy {_pct(document['micro']['metrics']['accuracy'])}.",
        "",
        "![Mean ROC curve across folds](roc.png)",
        "",
    ]
    return "\n".join(lines)


def plot_roc(roc: dict[str, list[float]], path: str | os.PathLike[str], title: str = "") -> None:
    """Mean ROC across folds with a +-1 SD band (FP as the positive class)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="chance")
    if roc["mean_tpr"]:
        fpr = np.asarray(roc["fpr"])
        mean, sd = np.asarray(roc["mean_tpr"]), np.asarray(roc["sd_tpr"])
        aucs = np.asarray(roc["aucs"])
        ax.plot(
            fpr,
            mean,
            color="C0",
            linewidth=2,
            label=f"mean ROC (AUC {aucs.mean():.3f} ± {aucs.std():.3f}, {len(aucs)} folds)",
        )
        ax.fill_between(
            fpr,
            np.clip(mean - sd, 0, 1),
            np.clip(mean + sd, 0, 1),
            color="C0",
            alpha=0.2,
            label="± 1 SD",
        )
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1.02),
        xlabel="False positive rate (EP called FP)",
        ylabel="True positive rate (FP called FP)",
        title=title or "ROC across folds",
    )
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


@dataclass(frozen=True)
class ReportFiles:
    json: Path
    markdown: Path
    roc: Path


def write_report(
    result: CVResult,
    out_dir: str | os.PathLike[str],
    *,
    title: str | None = None,
    extra: dict[str, Any] | None = None,
) -> ReportFiles:
    """Write report.json, report.md and roc.png into out_dir (created if needed)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    document = report_document(result, extra=extra)
    files = ReportFiles(out / "report.json", out / "report.md", out / "roc.png")
    files.json.write_text(json.dumps(document, indent=2, allow_nan=False))
    files.markdown.write_text(markdown_report(document, title=title))
    plot_roc(
        result.roc,
        files.roc,
        title=f"{document['task']}, K = {document['masks']}, {'+'.join(document['streams'])}",
    )
    return files
