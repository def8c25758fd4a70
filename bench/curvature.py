"""Spinal curvature read from the pipeline's back masks against the generator's truth.

    python bench/curvature.py COHORT_DIR [--task backward|forward|both] [--workers 1]
        [--cache DIR]

COHORT_DIR comes from `manage.py generate_cohort`. Every video of the task goes through the
video pipeline once (the cache is shared with bench/acceptance.py). For each recording the
outline measures of features.json (`curvature`, see mlpipeline/processing/curvature.py) are
set beside the truth (mlpipeline/synthetic/truth.py) and the bench prints, per bend:

- per frame: the change of the lumbar and thoracic outline angles from the recording's own
  standing frames against the change of the true lordosis and kyphosis (MAE, Pearson r);
- per recording: lumbar change, thoracic change and the lumbar share at the peak (MAE, r),
  and the share's group means (FP, EP) for orientation.
The outline measures the skin of the back, not the vertebrae, so its angles need not equal
the joint sums; the correlation says whether it follows them, the MAE how far apart they are.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlpipeline.processing.cohort_cache import (  # noqa: E402
    analyse_cohort,
    cohort_rows,
    recorded_tasks,
)
from mlpipeline.synthetic.truth import spine_angles, true_curvature  # noqa: E402


def pearson(a: list[float], b: list[float]) -> float:
    return float(np.corrcoef(a, b)[0, 1]) if len(a) > 2 else float("nan")


def mae(a: list[float], b: list[float]) -> float:
    return float(np.mean(np.abs(np.subtract(a, b)))) if a else float("nan")


def compare_task(cohort: Path, cache: Path, task: str) -> None:
    per_frame: dict[str, tuple[list[float], list[float]]] = {"lumbar": ([], []),
                                                            "thoracic": ([], [])}
    per_clip: dict[str, tuple[list[float], list[float]]] = {
        "lumbar_change_deg": ([], []), "thoracic_change_deg": ([], []),
        "trunk_rotation_deg": ([], []), "lumbar_share": ([], [])}
    shares: dict[str, list[float]] = {"FP": [], "EP": []}
    missing = 0
    for row in cohort_rows(cohort):
        pid = row["participant_id"]
        features = cache / pid / task / "features.json"
        if not features.exists():
            missing += 1
            continue
        document = json.loads(features.read_text())
        measured = document.get("curvature") or {}
        truth = np.load(cohort / "ground_truth" / pid / f"{task}.npz")
        truth_summary = true_curvature(truth, task)
        lumbar, thoracic = spine_angles(truth)
        for name, true_series, standing in (
            ("lumbar", lumbar, truth_summary.standing_lumbar_deg),
            ("thoracic", thoracic, truth_summary.standing_thoracic_deg),
        ):
            own_standing = measured.get(f"standing_{name}_deg")
            for entry in document["masks"]:
                value = entry.get(f"{name}_deg")
                if value is None or own_standing is None:
                    continue
                per_frame[name][0].append(value - own_standing)
                per_frame[name][1].append(float(true_series[entry["frame"]]) - standing)
        for name, (ours, theirs) in per_clip.items():
            value, true_value = measured.get(name), getattr(truth_summary, name)
            if value is not None and true_value is not None:
                ours.append(value)
                theirs.append(true_value)
        if measured.get("lumbar_share") is not None:
            shares[row["group"]].append(measured["lumbar_share"])
    n = len(per_clip["lumbar_share"][0])
    print(f"\n{cohort.name}, {task} bend: {n} recordings with a lumbar share"
          f"{f' ({missing} not analysed)' if missing else ''}")
    for name, (ours, theirs) in per_frame.items():
        print(f"  per frame, {name} change from standing: MAE {mae(ours, theirs):.2f} deg, "
              f"r {pearson(ours, theirs):.3f} ({len(ours)} masks)")
    for name, (ours, theirs) in per_clip.items():
        unit = "" if name == "lumbar_share" else " deg"
        print(f"  per recording, {name}: MAE {mae(ours, theirs):.3f}{unit}, "
              f"r {pearson(ours, theirs):.3f}; outline mean {np.mean(ours):.2f}, "
              f"truth mean {np.mean(theirs):.2f}")
    print("  lumbar share by group (outline): " + ", ".join(
        f"{g} {np.mean(v):.2f} +- {np.std(v):.2f} (n {len(v)})" for g, v in shares.items() if v))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cohort", type=Path)
    parser.add_argument("--task", choices=["backward", "forward", "both"], default="backward")
    parser.add_argument("--workers", type=int, default=1, help="pipeline processes")
    parser.add_argument("--cache", type=Path, help="default var/acceptance/<cohort name>")
    args = parser.parse_args()
    cohort = args.cohort.resolve()
    cache = args.cache or ROOT / "var" / "acceptance" / cohort.name
    tasks = recorded_tasks(args.task)
    analyse_cohort(cohort, cache, tasks, args.workers)
    for task in tasks:
        compare_task(cohort, cache, task)


if __name__ == "__main__":
    main()
