"""BlazePose lite, full and heavy on a generated cohort: theta error and speed, in one run.

    python bench/pose_models.py COHORT_DIR [--models lite,full,heavy] [--analysis-fps F]
                                [--no-raw] [--limit N]

COHORT_DIR comes from `manage.py generate_cohort` (e.g. `--participants 4 --seed 3 --small`).
For every video and every model, in turn (so that a change of machine speed hits all models
alike), it measures:

- pipeline: `run_pipeline` with `PipelineConfig(pose_model=...)` at the default analysis
  rate (or --analysis-fps): theta MAE against ground_truth/<participant>/<task>.npz on the
  frames where the pipeline reports theta, the share of frames with theta, and the pose
  stage's milliseconds per analysed frame (decode overlapped; includes re-detections,
  masks and the people check);
- raw: BlazePose alone in video mode on every frame (segmentation mask on, as in the
  pipeline), theta from the midpoints of shoulders, hips and ankles (Eq. 1), and the
  milliseconds of `Pose.process` per frame (decoding not counted).

Then per model and bend: MAE, and speed as ms/frame and as a ratio to full measured in the
same run. Timings on these machines come in two speed levels: compare the ratios.
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

from mlpipeline.processing.native_logs import silence_native_logs  # noqa: E402
from mlpipeline.processing.pipeline import PipelineConfig, run_pipeline  # noqa: E402
from mlpipeline.processing.pose_models import (  # noqa: E402
    POSE_MODEL_NAMES,
    model_problem,
    require_model,
)
from mlpipeline.synthetic.cohort import theta_eq1  # noqa: E402
from mlpipeline.synthetic.validate import upright_frames  # noqa: E402


def cohort_jobs(cohort: Path) -> list[tuple[str, str, Path]]:
    with (cohort / "cohort.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    return [
        (row["participant_id"], task, cohort / row[f"{task}_video"])
        for row in rows
        for task in ("forward", "backward")
        if row.get(f"{task}_video")
    ]


def true_theta(cohort: Path, participant: str, task: str) -> np.ndarray:
    with np.load(cohort / "ground_truth" / participant / f"{task}.npz") as npz:
        return np.asarray(npz["theta"], np.float64)


def pipeline_run(video: Path, task: str, truth: np.ndarray, config: PipelineConfig) -> dict:
    result = run_pipeline(video, task, config)
    index = np.array([f.index for f in result.frames])
    keep = index < len(truth)
    measured = np.array([np.nan if f.theta is None else f.theta for f in result.frames])[keep]
    has = np.isfinite(measured)
    return {
        "errors": np.abs(measured[has] - truth[index[keep]][has]),
        "with_theta": float(has.mean()) if has.size else 0.0,
        "pose_s": result.timings["pose"],
        "frames": len(result.frames),
        "total_s": result.timings["total"],
        "qc": [i.code for i in result.qc.issues],
    }


def raw_run(video: Path, truth: np.ndarray, name: str) -> dict:
    import mediapipe as mp

    complexity = require_model(name).complexity
    predictions, seconds = [], 0.0
    with mp.solutions.pose.Pose(
        static_image_mode=False,
        model_complexity=complexity,
        enable_segmentation=True,
        smooth_landmarks=False,
    ) as pose:
        for rgb in upright_frames(video):
            tick = time.perf_counter()
            marks = pose.process(rgb).pose_landmarks
            seconds += time.perf_counter() - tick
            if marks is None:
                predictions.append(np.nan)
                continue
            height, width = rgb.shape[:2]
            lm = marks.landmark

            def mid(a: int, b: int, lm=lm, w=width, h=height) -> np.ndarray:
                return np.array([[(lm[a].x + lm[b].x) * w / 2, (lm[a].y + lm[b].y) * h / 2]])

            predictions.append(float(theta_eq1(mid(11, 12), mid(23, 24), mid(27, 28))[0]))
    n = min(len(predictions), len(truth))
    pred = np.array(predictions[:n])
    found = np.isfinite(pred)
    return {
        "errors": np.abs(pred[found] - truth[:n][found]),
        "with_theta": float(found.mean()) if n else 0.0,
        "pose_s": seconds,
        "frames": len(predictions),
        "qc": [],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cohort", type=Path)
    parser.add_argument("--models", default=",".join(POSE_MODEL_NAMES))
    parser.add_argument("--analysis-fps", type=float, default=PipelineConfig.analysis_fps)
    parser.add_argument("--no-raw", action="store_true", help="skip BlazePose on every frame")
    parser.add_argument("--limit", type=int, default=0, help="videos (0: all)")
    args = parser.parse_args()
    silence_native_logs()
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    for name in models:
        if problem := model_problem(name):
            sys.exit(problem)
    jobs = cohort_jobs(args.cohort)[: args.limit or None]
    results: dict[tuple[str, str, str], list[dict]] = {}
    for participant, task, video in jobs:
        truth = true_theta(args.cohort, participant, task)
        for name in models:
            config = PipelineConfig(pose_model=name, analysis_fps=args.analysis_fps)
            runs = [("pipeline", pipeline_run(video, task, truth, config))]
            if not args.no_raw:
                runs.append(("raw", raw_run(video, truth, name)))
            for kind, r in runs:
                results.setdefault((kind, name, task), []).append(r)
                mae = r["errors"].mean() if r["errors"].size else float("nan")
                print(
                    f"{video.name:26s} {name:5s} {kind:8s} MAE {mae:5.2f} deg  "
                    f"theta {r['with_theta']:6.1%}  "
                    f"{1000 * r['pose_s'] / max(r['frames'], 1):6.1f} ms/frame "
                    f"({r['frames']} frames)  {' '.join(r['qc'])}",
                    flush=True,
                )
    print(
        f"\n{len(jobs)} videos from {args.cohort}; pipeline at {args.analysis_fps:g} frames/s, "
        "raw = BlazePose alone on every frame"
    )
    print(
        "MAE over the frames with a theta reading; theta = share of frames with one; "
        "qc = videos with a quality issue"
    )
    header = ("model", "run", "MAE fwd", "MAE bwd", "theta", "qc", "ms/frame", "x full")
    print("{:6s} {:9s} {:>8s} {:>8s} {:>7s} {:>4s} {:>9s} {:>7s}".format(*header))
    for kind in ("pipeline", "raw"):
        speed = {}
        for name in models:
            runs = results.get((kind, name, "forward"), []) + results.get(
                (kind, name, "backward"), []
            )
            if runs:
                speed[name] = sum(r["pose_s"] for r in runs) / sum(r["frames"] for r in runs)
        for name in models:
            if name not in speed:
                continue
            maes, everything = [], []
            for task in ("forward", "backward"):
                runs = results.get((kind, name, task), [])
                everything += runs
                errors = np.concatenate([r["errors"] for r in runs]) if runs else np.array([])
                maes.append(errors.mean() if errors.size else float("nan"))
            ratio = speed[name] / speed["full"] if "full" in speed else float("nan")
            coverage = np.sum([r["with_theta"] * r["frames"] for r in everything]) / np.sum(
                [r["frames"] for r in everything]
            )
            failed = sum(bool(r["qc"]) for r in everything)
            print(
                f"{name:6s} {kind:9s} {maes[0]:8.2f} {maes[1]:8.2f} {coverage:7.1%} "
                f"{failed:4d} {1000 * speed[name]:9.1f} {ratio:7.2f}"
            )


if __name__ == "__main__":
    main()
