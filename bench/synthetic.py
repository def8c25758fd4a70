"""Generate a synthetic cohort and check it against MediaPipe BlazePose.

    python bench/synthetic.py [--participants 20] [--seed 1] [--size-scale 0.5]
                              [--duration-scale 1.0] [--fps F] [--out DIR]

Prints, per task, the share of frames where BlazePose (video mode, model_complexity 1)
found the person and the mean absolute error of its Eq. 1 angle (neck = midpoint of the
shoulders, midpoints of hips and ankles) against the generator's ground truth, plus the
seconds needed to render and encode one video. Targets (issue 4): >= 98 %, <= 3 degrees.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlpipeline.synthetic.cohort import generate_cohort  # noqa: E402
from mlpipeline.synthetic.validate import check_recording  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--size-scale", type=float, default=0.5)
    parser.add_argument("--duration-scale", type=float, default=1.0)
    parser.add_argument("--fps", type=int, default=None, help="default: 24-60 per video")
    parser.add_argument("--out", type=Path, default=None, help="keep the cohort here")
    args = parser.parse_args()

    out = args.out or Path(tempfile.mkdtemp(prefix="synthetic-cohort-"))
    tick = time.perf_counter()
    generate_cohort(
        out,
        args.participants,
        args.seed,
        progress=True,
        size_scale=args.size_scale,
        duration_scale=args.duration_scale,
        fps=args.fps,
    )
    generation = time.perf_counter() - tick
    recordings = json.loads((out / "cohort.json").read_text())["recordings"]

    per_task: dict[str, dict[str, list]] = {}
    print(
        f"{'participant':<14} {'task':<9} {'frames':>6} {'size':>10} {'fps':>3} "
        f"{'render s':>8} {'found %':>7} {'MAE':>5} {'max err':>7}"
    )
    for rec in recordings:
        gt = out / "ground_truth" / rec["participant_id"] / f"{rec['task']}.npz"
        check = check_recording(out / "videos" / rec["video"], gt)
        ok = ~np.isnan(check.theta_pred)
        stats = per_task.setdefault(
            rec["task"], {"found": [], "errors": [], "seconds": [], "frames": []}
        )
        stats["found"].extend(ok.tolist())
        stats["errors"].append(np.abs(check.theta_pred[ok] - check.theta_true[ok]))
        stats["seconds"].append(rec["seconds"])
        stats["frames"].append(rec["frames"])
        print(
            f"{rec['participant_id']:<14} {rec['task']:<9} {rec['frames']:>6} "
            f"{rec['width']:>4}x{rec['height']:<5} {rec['fps']:>3} {rec['seconds']:>8.1f} "
            f"{100 * check.detection_rate:>7.1f} {check.theta_mae:>5.2f} "
            f"{check.theta_max_error:>7.1f}",
            flush=True,
        )

    print(
        f"\ncohort: {out} ({args.participants} participants, size scale {args.size_scale}, "
        f"duration scale {args.duration_scale}); generation {generation:.0f} s"
    )
    for task, stats in per_task.items():
        errors = np.concatenate(stats["errors"])
        per_video = [e.mean() for e in stats["errors"] if e.size]
        found = 100 * np.mean(stats["found"])
        print(
            f"{task:<9} videos {len(stats['seconds'])}  found {found:.2f} %"
            f"  theta MAE {errors.mean():.2f} deg (per video: median {np.median(per_video):.2f},"
            f" worst {np.max(per_video):.2f})  render {np.mean(stats['seconds']):.1f} s/video"
            f" ({1000 * np.sum(stats['seconds']) / np.sum(stats['frames']):.0f} ms/frame)"
        )


if __name__ == "__main__":
    main()
