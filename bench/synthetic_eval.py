"""Accuracy of the video pipeline against a synthetic cohort's ground truth.

    python bench/synthetic_eval.py COHORT_DIR [--analysis-fps F] [--limit N]

COHORT_DIR comes from `manage.py generate_cohort` (mlpipeline.synthetic). For every video it
prints the share of analysed frames with a person found, theta's mean absolute error
against the true Eq. 1 angle (frames where the pipeline reports theta), the share of frames
with a theta reading, and the silhouettes' mean IoU against the true masks; then totals.
Targets (issue 5): person found >= 98 %, theta MAE <= 3 degrees, IoU >= 0.9.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlpipeline.processing.output import silhouettes_upright  # noqa: E402
from mlpipeline.processing.pipeline import PipelineConfig, run_pipeline  # noqa: E402


def evaluate_video(video: Path, task: str, truth_dir: Path, config: PipelineConfig) -> dict:
    tick = time.perf_counter()
    result = run_pipeline(video, task, config)
    seconds = time.perf_counter() - tick
    with np.load(truth_dir / f"{task}.npz") as npz:
        true_theta = npz["theta"]
    index = np.array([f.index for f in result.frames])
    index = index[index < len(true_theta)]
    frames = result.frames[: len(index)]
    found = np.array([f.person for f in frames])
    measured = np.array([np.nan if f.theta is None else f.theta for f in frames])
    has_theta = np.isfinite(measured)
    errors = np.abs(measured[has_theta] - true_theta[index][has_theta])
    ious = []
    silhouettes = truth_dir / f"{task}_silhouettes.npz"
    if silhouettes.exists():
        with np.load(silhouettes) as npz:
            packed, shape = npz["packed"], npz["shape"]
        mask_frames, masks = silhouettes_upright(result)
        for frame, mask in zip(mask_frames, masks, strict=True):
            if frame >= shape[0]:
                continue
            truth = np.unpackbits(packed[frame], axis=-1, count=int(shape[2])).astype(bool)
            union = (truth | mask).sum()
            ious.append((truth & mask).sum() / union if union else 1.0)
    return {
        "video": video.name,
        "found": float(found.mean()),
        "with_theta": float(has_theta.mean()),
        "mae": float(errors.mean()) if errors.size else float("nan"),
        "errors": errors,
        "iou": float(np.mean(ious)) if ious else float("nan"),
        "ious": ious,
        "qc": [i.code for i in result.qc.issues],
        "reps": len(result.repetitions),
        "seconds": seconds,
    }


def cohort_jobs(cohort: Path) -> list[tuple[str, str, str]]:
    """(participant, task, video path relative to the cohort) for every finished video.

    Read from cohort.csv; while a cohort is still being generated (no cohort.csv yet),
    from the videos that already have their ground truth.
    """
    if (cohort / "cohort.csv").exists():
        with (cohort / "cohort.csv").open() as fh:
            rows = list(csv.DictReader(fh))
        return [
            (row["participant_id"], task, row[f"{task}_video"])
            for row in rows
            for task in ("forward", "backward")
            if row.get(f"{task}_video")
        ]
    jobs = []
    for video in sorted((cohort / "videos").glob("*_*.mp4")):
        participant, task = video.stem.rsplit("_", 1)
        if (cohort / "ground_truth" / participant / f"{task}_silhouettes.npz").exists():
            jobs.append((participant, task, f"videos/{video.name}"))
    return jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cohort", type=Path)
    parser.add_argument("--analysis-fps", type=float, default=PipelineConfig.analysis_fps)
    parser.add_argument("--limit", type=int, default=0, help="videos to evaluate (0: all)")
    parser.add_argument("--jump", type=float, default=PipelineConfig.pose_redetect_jump)
    parser.add_argument("--smoothing-hz", type=float, default=PipelineConfig.smoothing_hz)
    args = parser.parse_args()
    config = PipelineConfig(
        analysis_fps=args.analysis_fps,
        pose_redetect_jump=args.jump,
        smoothing_hz=args.smoothing_hz,
        keep_silhouettes=True,
    )
    jobs = cohort_jobs(args.cohort)
    if args.limit:
        jobs = jobs[: args.limit]
    results = []
    for participant, task, relative in jobs:
        r = evaluate_video(
            args.cohort / relative, task, args.cohort / "ground_truth" / participant, config
        )
        results.append(r)
        print(
            f"{r['video']:28s} found {r['found']:6.1%}  theta {r['with_theta']:6.1%}  "
            f"MAE {r['mae']:5.2f} deg  IoU {r['iou']:.3f}  reps {r['reps']}  "
            f"{r['seconds']:5.1f} s  qc {r['qc']}",
            flush=True,
        )
    errors = np.concatenate([r["errors"] for r in results])
    ious = np.concatenate([r["ious"] for r in results]) if results else np.array([])
    print(
        f"TOTAL {len(results)} videos: person found {np.mean([r['found'] for r in results]):.1%}"
        f", theta MAE {errors.mean():.2f} deg (median {np.median(errors):.2f}, "
        f"p95 {np.percentile(errors, 95):.2f}), IoU {ious.mean():.3f} "
        f"(min per video {min(r['iou'] for r in results):.3f})"
    )


if __name__ == "__main__":
    main()
