"""`manage.py experiment_grid` on the labelled patients in the database."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from tests.classifier.classifier_data import labelled_cohort

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

TINY = ["--folds", "2", "--epochs", "1", "--image-size", "16", "--train-masks", "2",
        "--batch-size", "4", "--seed", "3"]


def test_it_writes_one_report_with_the_papers_figures_beside_ours(tmp_path) -> None:
    labelled_cohort(8)
    call_command("experiment_grid", "--out", str(tmp_path), "--tasks", "backward",
                 "--masks", "4,6", "--fusion-masks", "4", "--streams", "images,motion", *TINY)
    summary = json.loads((tmp_path / "grid.json").read_text())
    cells = [(row["task"], row["masks"], row["streams"]) for row in summary]
    assert cells == [
        ("backward", 4, ["images"]),
        ("backward", 6, ["images"]),
        ("backward", None, ["motion"]),
        ("backward", 4, ["images", "motion"]),
    ]  # no PROM cells: the stream was not asked for
    assert all(0 <= row["macro"]["accuracy"]["mean"] <= 1 for row in summary)
    markdown = (tmp_path / "grid.md").read_text()
    assert "Profile `quick` for cells with back masks" in markdown
    assert "2-fold cross-validation" in markdown
    assert "## Table 2: back masks" in markdown
    assert "## Table 4: fusion" in markdown
    motion_row = next(line for line in markdown.splitlines() if "| backward | — | motion |" in line)
    assert motion_row.endswith("| 74.29% |")  # the paper's backward motion-feature accuracy
    assert "63.82%" not in markdown
    cell = tmp_path / "cells" / "backward_k4_images"
    assert {p.name for p in cell.iterdir()} == {"report.json", "report.md", "roc.png"}
    assert json.loads((cell / "report.json").read_text())["masks"] == 4


def test_it_refuses_too_few_labelled_patients_for_the_folds(tmp_path) -> None:
    labelled_cohort(4)
    with pytest.raises(CommandError, match="3 folds need at least 3 of each"):
        call_command("experiment_grid", "--out", str(tmp_path), "--tasks", "backward",
                     "--folds", "3")
    assert not (tmp_path / "grid.md").exists()


def test_it_refuses_unknown_tasks_and_streams(tmp_path) -> None:
    with pytest.raises(CommandError, match="--tasks"):
        call_command("experiment_grid", "--out", str(tmp_path), "--tasks", "sideways")
    with pytest.raises(CommandError, match="--streams"):
        call_command("experiment_grid", "--out", str(tmp_path), "--streams", "images,gait")


def test_it_runs_on_a_cohort_folder_with_the_curvature_stream(tmp_path, settings) -> None:
    from classifier.ml.toy import toy_participants
    from tests.classifier.cohort_files import write_analysed_cohort

    settings.VAR_DIR = tmp_path / "var"
    participants = toy_participants(12, size=16, masks_per_participant=3, separation=2.0)
    write_analysed_cohort(tmp_path, participants, cache=tmp_path / "var" / "acceptance" / "cohort")
    call_command("experiment_grid", "--out", str(tmp_path / "grid"), "--tasks", "backward",
                 "--masks", "3", "--fusion-masks", "3", "--streams", "images,curvature",
                 "--fusions", "images+curvature", "--cohort", str(tmp_path / "cohort"), *TINY)
    summary = json.loads((tmp_path / "grid" / "grid.json").read_text())
    assert [(row["masks"], row["streams"]) for row in summary] == [
        (3, ["images"]), (None, ["curvature"]), (3, ["images", "curvature"])]
    assert "Table 3: motion features, curvature and PROMs alone" in (
        tmp_path / "grid" / "grid.md").read_text()
