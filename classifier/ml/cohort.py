"""Participants of a labelled cohort folder analysed by `mlpipeline.processing.cohort_cache`.

What the platform's training set takes from the database (classifier/dataset.py), taken
from files instead: the benchmarks and `manage.py build_demo_model` train on cohorts that
were never imported. No Django.
"""

from __future__ import annotations

import json
from pathlib import Path

from classifier.ml.data import LABELS, Participant, merge_tasks
from classifier.ml.preprocess import (
    PROM_NAMES,
    curvature_vector,
    load_participant_masks,
    motion_vector,
    prom_vector,
)
from mlpipeline.processing.cohort_cache import cohort_rows, recorded_tasks


def cohort_participants(
    cohort: Path, cache: Path, task: str, *, qc_failures: bool = False
) -> tuple[list[Participant], list[str]]:
    """(participants, skipped notes) from the cached analysis of `task` ("both" merges the
    two bends); recordings that fail QC are left out, as the platform's training set leaves
    them out, unless qc_failures."""
    participants, skipped = [], []
    for row in cohort_rows(cohort):
        pid = row["participant_id"]
        per_task = []
        for t in recorded_tasks(task):
            folder = cache / pid / t
            features = folder / "features.json"
            if not features.exists():
                skipped.append(f"{pid} {t}: not analysed")
                break
            document = json.loads(features.read_text())  # read once: qc, motion, curvature
            qc = document["qc"]
            masks, thetas = load_participant_masks(folder)
            if not (qc["ok"] or qc_failures) or not masks:
                skipped.append(f"{pid} {t}: qc {[i['code'] for i in qc['issues']]}, "
                               f"{len(masks)} masks")
                break
            proms = {name: float(row[name]) for name in PROM_NAMES
                     if row.get(name) not in (None, "")}
            per_task.append(Participant(
                participant_id=pid, label=LABELS[row["group"]], masks=masks, thetas=thetas,
                motion=motion_vector(document.get("motion_features") or {}),
                proms=prom_vector(proms),
                curvature=curvature_vector(document.get("curvature") or {})))
        else:
            participants.append(per_task[0] if len(per_task) == 1 else merge_tasks(*per_task))
    return participants, skipped
