"""The experiment grid in the structure of the paper's Tables 2-4."""

from __future__ import annotations

import json

from classifier.ml.config import profile_config
from classifier.ml.grid import GridCell, paper_grid, run_grid
from classifier.ml.model import ModelConfig
from classifier.ml.toy import toy_participants


def test_the_full_grid_has_the_papers_structure() -> None:
    cells = paper_grid()
    images = [c for c in cells if c.streams == ("images",)]
    assert len(images) == 3 * 5
    assert {c.masks for c in images} == {40, 80, 120, 160, 320}
    assert [c for c in cells if c.streams == ("proms",)] == [GridCell("any", None, ("proms",))]
    assert len([c for c in cells if c.streams == ("motion",)]) == 3
    assert len([c for c in cells if c.streams == ("curvature",)]) == 3
    assert len([c for c in cells if c.streams == ("images", "curvature")]) == 3
    assert {c.table for c in cells} == {
        "Table 2: back masks",
        "Table 3: motion features, curvature and PROMs alone",
        "Table 4: fusion",
    }


def test_a_small_grid_runs_and_writes_one_markdown_report(tmp_path) -> None:
    participants = {
        "backward": toy_participants(8, size=16, masks_per_participant=6, seed=1),
        "forward": toy_participants(8, size=16, masks_per_participant=6, seed=2, motion_dim=1),
    }
    cells = paper_grid(
        ("backward", "forward"), (4,), fusion_masks=4, fusions=[("images", "motion")],
        streams=("images", "motion", "proms"),
    )
    base = profile_config(
        "quick",
        model=ModelConfig(image_size=16),
        epochs=1,
        folds=2,
        batch_size=4,
        train_masks=2,
        patience=None,
        progress_bar=False,
    )
    stages = []
    rows = run_grid(
        participants,
        cells,
        base,
        tmp_path,
        cell_reports=False,
        progress=lambda s, p: stages.append(p),
    )
    assert len(rows) == len(cells) == 2 + 2 + 1 + 2
    markdown = (tmp_path / "grid.md").read_text()
    assert "## Table 2: back masks" in markdown
    assert "## Table 4: fusion" in markdown
    assert "| backward | — | motion |" in markdown
    assert "74.29%" in markdown
    assert "63.82%" in markdown
    summary = json.loads((tmp_path / "grid.json").read_text())
    assert summary[0]["macro"]["accuracy"]["mean"] is not None
    assert stages[-1] == 100.0
    forward_motion = next(r for r in rows if r.cell == GridCell("forward", None, ("motion",)))
    assert forward_motion.result.config.model.motion_dim == 1  # sized from the data
