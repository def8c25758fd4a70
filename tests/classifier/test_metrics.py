"""Metrics on hand-made predictions (EP positive for sensitivity and F1)."""

from __future__ import annotations

import math

import pytest

from classifier.ml.metrics import binary_metrics, macro_metrics, mean_roc, micro_summary, summarise


def test_binary_metrics_on_a_hand_made_fold() -> None:
    # 4 EP (0) and 4 FP (1); one EP called FP, two FP called EP.
    labels = [0, 0, 0, 0, 1, 1, 1, 1]
    probs = [0.1, 0.2, 0.3, 0.9, 0.8, 0.7, 0.4, 0.45]
    m = binary_metrics(labels, probs)
    assert m["accuracy"] == pytest.approx(5 / 8)
    assert m["sensitivity"] == pytest.approx(3 / 4)  # EP recall
    assert m["specificity"] == pytest.approx(2 / 4)  # FP recall
    precision_ep = 3 / 5
    assert m["f1"] == pytest.approx(2 * precision_ep * 0.75 / (precision_ep + 0.75))
    # AUC on P(FP): each FP (.8 .7 .4 .45) outranks the 3 EP below .4, none the .9 -> 12/16
    assert m["auc"] == pytest.approx(12 / 16)
    tp, tn, fp, fn = 2, 3, 1, 2  # FP as positive
    mcc = (tp * tn - fp * fn) / math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    assert m["mcc"] == pytest.approx(mcc)


def test_threshold_is_strictly_above_one_half_for_fp() -> None:
    m = binary_metrics([0, 1], [0.5, 0.51])
    assert m["accuracy"] == 1.0


def test_one_class_fold_has_no_auc_but_others_work() -> None:
    m = binary_metrics([1, 1, 1], [0.9, 0.8, 0.2])
    assert math.isnan(m["auc"])
    assert math.isnan(m["sensitivity"])
    assert m["specificity"] == pytest.approx(2 / 3)


def test_macro_mean_and_t_interval() -> None:
    values = [0.8, 0.9, 0.7]
    s = summarise(values)
    assert s["mean"] == pytest.approx(0.8)
    assert s["sd"] == pytest.approx(0.1)
    half = 4.302652729911275 * 0.1 / math.sqrt(3)  # t(0.975, df=2)
    assert s["ci95"] == pytest.approx([0.8 - half, min(1.0, 0.8 + half)])
    assert s["n"] == 3


def test_macro_skips_undefined_folds_and_clips_to_the_range() -> None:
    folds = [
        {
            "accuracy": 1.0,
            "sensitivity": 1.0,
            "specificity": 1.0,
            "f1": 1.0,
            "auc": 1.0,
            "mcc": 1.0,
        },
        {
            "accuracy": 0.9,
            "sensitivity": 0.8,
            "specificity": 1.0,
            "f1": 0.9,
            "auc": math.nan,
            "mcc": 0.8,
        },
    ]
    macro = macro_metrics(folds)
    assert macro["auc"] == {"mean": 1.0, "sd": None, "ci95": [None, None], "n": 1}
    assert macro["accuracy"]["ci95"][1] == 1.0
    assert macro["accuracy"]["mean"] == pytest.approx(0.95)


def test_micro_confusion_matrix_sums_all_participants() -> None:
    micro = micro_summary([0, 0, 1, 1, 1], [0.2, 0.7, 0.9, 0.6, 0.3])
    assert micro["confusion_matrix"]["labels"] == ["EP", "FP"]
    assert micro["confusion_matrix"]["matrix"] == [[1, 1], [1, 2]]
    assert micro["n"] == 5


def test_mean_roc_has_a_band_and_spans_zero_to_one() -> None:
    roc = mean_roc([[0, 0, 1, 1], [0, 1, 0, 1]], [[0.1, 0.4, 0.35, 0.8], [0.2, 0.9, 0.3, 0.6]])
    assert roc["mean_tpr"][0] == 0.0
    assert roc["mean_tpr"][-1] == 1.0
    assert len(roc["sd_tpr"]) == len(roc["fpr"]) == 101
    assert roc["aucs"] == pytest.approx([0.75, 1.0])
