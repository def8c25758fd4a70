"""Experiment grid in the structure of the paper's Tables 2-4, written as one Markdown report.

- Table 2: images alone, task (forward / backward / both) x K masks.
- Table 3: motion features and outline curvature alone (per task) and PROMs alone
  (task-independent). Curvature is ours; the paper has no such stream.
- Table 4: fusions of images with motion, PROMs and/or curvature, per task at the chosen K.

The caller supplies the participants of each task (`both` = `data.merge_tasks` of the two),
so this module never touches storage. Each cell is one grouped cross-validation.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier.ml.config import TrainConfig, sized_for
from classifier.ml.data import Participant
from classifier.ml.model import STREAMS
from classifier.ml.report import format_metric, paper_reference, write_report
from classifier.ml.results import CVResult
from classifier.ml.train import ProgressCallback, cross_validate

TASKS: tuple[str, ...] = ("forward", "backward", "both")
MASK_COUNTS: tuple[int, ...] = (40, 80, 120, 160, 320)
FUSIONS: tuple[tuple[str, ...], ...] = (
    ("images", "motion"),
    ("images", "proms"),
    ("images", "motion", "proms"),
    ("images", "curvature"),
)
ANY_TASK = "any"  # PROMs do not depend on the bending task


@dataclass(frozen=True)
class GridCell:
    task: str
    masks: int | None  # None where no images are used
    streams: tuple[str, ...]

    @property
    def table(self) -> str:
        if self.streams == ("images",):
            return "Table 2: back masks"
        if "images" not in self.streams:
            return "Table 3: motion features, curvature and PROMs alone"
        return "Table 4: fusion"

    @property
    def name(self) -> str:
        k = f"k{self.masks}" if self.masks else "nok"
        return f"{self.task}_{k}_{'+'.join(self.streams)}"


@dataclass
class GridRow:
    cell: GridCell
    result: CVResult

    def summary(self) -> dict[str, Any]:
        return {
            "task": self.cell.task,
            "masks": self.cell.masks,
            "streams": list(self.cell.streams),
            "table": self.cell.table,
            "macro": self.result.macro,
            "pooled_accuracy": self.result.micro["metrics"]["accuracy"],
            "paper": paper_reference(self.cell.task, self.cell.masks or 0, self.cell.streams),
        }


def paper_grid(
    tasks: Sequence[str] = TASKS,
    mask_counts: Sequence[int] = MASK_COUNTS,
    *,
    fusion_masks: int = 80,
    streams: Collection[str] = STREAMS,
    fusions: Sequence[tuple[str, ...]] = FUSIONS,
) -> list[GridCell]:
    """The cells of Tables 2-4 for the given tasks and K values, using only `streams`."""
    cells = []
    if "images" in streams:
        cells += [GridCell(t, k, ("images",)) for t in tasks for k in mask_counts]
    for stream in ("motion", "curvature"):
        if stream in streams:
            cells += [GridCell(t, None, (stream,)) for t in tasks]
    if "proms" in streams:
        cells.append(GridCell(ANY_TASK, None, ("proms",)))
    for fusion in fusions:
        if set(fusion) <= set(streams):
            cells += [GridCell(t, fusion_masks, fusion) for t in tasks]
    return cells


def cell_config(
    base: TrainConfig, cell: GridCell, participants: Sequence[Participant]
) -> TrainConfig:
    """base with the cell's task, K and streams; vector sizes taken from the data."""
    cfg = base.replace(
        task=cell.task, masks=cell.masks or base.masks, model={"streams": cell.streams}
    )
    return sized_for(cfg, participants)


def run_grid(
    participants_by_task: Mapping[str, Sequence[Participant]],
    cells: Sequence[GridCell],
    base: TrainConfig,
    out_dir: str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
    cell_reports: bool = True,
    vector_base: TrainConfig | None = None,
) -> list[GridRow]:
    """Cross-validate every cell; write grid.md, grid.json (and each cell's report).

    Cells without back masks train with `vector_base` when given (the curvature profile's
    optimiser settings suit the small vector nets), the others with `base`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[GridRow] = []
    for number, cell in enumerate(cells):
        task = cell.task if cell.task != ANY_TASK else next(iter(participants_by_task))
        if task not in participants_by_task:
            raise KeyError(f"no participants given for task {task!r}")
        participants = participants_by_task[task]
        chosen = base if "images" in cell.streams or vector_base is None else vector_base
        cfg = cell_config(chosen, cell, participants)

        def report(stage: str, percent: float, number: int = number, cell: GridCell = cell) -> None:
            if progress is not None:
                progress(f"{cell.name}: {stage}", 100.0 * (number + percent / 100) / len(cells))

        result = cross_validate(participants, cfg, progress=report)
        if cell_reports:
            write_report(result, out / "cells" / cell.name, title=f"Grid cell {cell.name}")
        rows.append(GridRow(cell, result))
    (out / "grid.json").write_text(json.dumps([r.summary() for r in rows], indent=2))
    (out / "grid.md").write_text(grid_markdown(rows, base))
    return rows


def grid_markdown(rows: Sequence[GridRow], base: TrainConfig) -> str:
    lines = [
        "# BackTracker experiment grid",
        "",
        f"Profile `{base.profile}` for cells with back masks, the `curvature` profile's "
        "optimiser for the others; "
        f"{base.folds}-fold cross-validation grouped by participant, "
        f"seed {base.seed}. Macro means over folds with 95% CIs; paper = Liu, Hicks, Sheeran "
        "(2026) on the BMCD (78 participants) where it reports that configuration.",
    ]
    for table in sorted({r.cell.table for r in rows}):
        lines += [
            "",
            f"## {table}",
            "",
            "| Task | K | Streams | Accuracy (95% CI) | AUC | F1 (EP) | MCC | Paper accuracy |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in (r for r in rows if r.cell.table == table):
            macro = row.result.macro
            acc = macro["accuracy"]
            low, high = acc["ci95"]
            ci = "" if low is None else f" ({format_metric('accuracy', low)} to "
            ci += "" if low is None else f"{format_metric('accuracy', high)})"
            paper = paper_reference(row.cell.task, row.cell.masks or 0, row.cell.streams) or {}
            lines.append(
                f"| {row.cell.task} | {row.cell.masks or '—'} | {'+'.join(row.cell.streams)} "
                f"| {format_metric('accuracy', acc['mean'])}{ci} "
                f"| {format_metric('auc', macro['auc']['mean'])} "
                f"| {format_metric('f1', macro['f1']['mean'])} "
                f"| {format_metric('mcc', macro['mcc']['mean'])} "
                f"| {format_metric('accuracy', paper['accuracy']) if paper else '—'} |"
            )
    lines.append("")
    return "\n".join(lines)
