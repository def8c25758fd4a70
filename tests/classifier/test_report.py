"""report.json / report.md / roc.png from a cross-validation result."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2

from classifier.ml.config import profile_config
from classifier.ml.metrics import binary_metrics
from classifier.ml.model import ModelConfig
from classifier.ml.report import paper_reference, write_report
from classifier.ml.results import FoldResult, summarise_folds

ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artefacts"


def hand_made_result():
    cfg = profile_config("quick", masks=80, task="backward")
    folds = []
    probs = [[0.1, 0.3, 0.8, 0.9, 0.6], [0.2, 0.7, 0.4, 0.95, 0.85], [0.05, 0.45, 0.55, 0.65, 0.3]]
    labels = [[0, 0, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0]]
    for n, (y, p) in enumerate(zip(labels, probs, strict=True), start=1):
        folds.append(
            FoldResult(
                fold=n,
                participant_ids=[f"f{n}p{i}" for i in range(5)],
                labels=y,
                probabilities=p,
                metrics=binary_metrics(y, p),
                epochs_run=10,
                best_epoch=7,
            )
        )
    return summarise_folds(cfg, folds)


def test_report_files_follow_the_design(tmp_path) -> None:
    files = write_report(hand_made_result(), tmp_path / "report")
    document = json.loads(files.json.read_text())
    assert document["task"] == "backward"
    assert document["masks"] == 80
    assert [f["fold"] for f in document["per_fold"]] == [1, 2, 3]
    assert set(document["per_fold"][0]) >= {
        "accuracy",
        "sensitivity",
        "specificity",
        "f1",
        "auc",
        "mcc",
    }
    accuracy = document["macro"]["accuracy"]
    assert set(accuracy) == {"mean", "sd", "ci95", "n"}
    assert accuracy["ci95"][0] <= accuracy["mean"] <= accuracy["ci95"][1]
    matrix = document["micro"]["confusion_matrix"]["matrix"]
    assert sum(map(sum, matrix)) == 15
    assert document["paper"] == {"accuracy": 0.9191, "auc": 0.9422, "f1": 0.9291}
    assert len(document["predictions"]) == 15

    markdown = files.markdown.read_text()
    assert "| Accuracy |" in markdown
    assert "91.91%" in markdown
    assert "0.9422" in markdown
    assert "![Mean ROC curve across folds](roc.png)" in markdown

    image = cv2.imread(str(files.roc))
    assert image is not None
    assert image.shape[0] > 200
    assert image.std() > 10
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(files.roc, ARTEFACTS / "classifier_roc.png")


def test_paper_figures_only_where_the_configuration_matches() -> None:
    assert paper_reference("forward", 320, ("images",)) == {"accuracy": 0.8669}
    assert paper_reference("forward", 80, ("images",)) is None
    assert paper_reference("both", 40, ("images",)) == {"accuracy": 0.8629}
    assert paper_reference("backward", 80, ("motion",)) == {"accuracy": 0.7429}
    assert paper_reference("forward", 80, ("motion",)) == {"accuracy": 0.6501}
    assert paper_reference("both", 80, ("proms",)) == {"accuracy": 0.6382}
    assert paper_reference("backward", 80, ("images", "proms")) is None


def test_markdown_says_when_the_paper_has_no_figure(tmp_path) -> None:
    result = hand_made_result()
    result.config = result.config.replace(model=ModelConfig(streams=("images", "motion")))
    files = write_report(result, tmp_path)
    assert "The paper reports no figures for this configuration." in files.markdown.read_text()
