"""Acceptance: the default profile's CV accuracy on a synthetic cohort against references.

    python bench/acceptance.py COHORT_DIR [--task backward] [--masks 80] [--folds 5]
        [--seed 0] [--profile NAME] [--streams a,b] [--workers 1] [--cache DIR]
        [--report DIR] [--include-qc-failures] [--pipeline-only]

COHORT_DIR comes from `manage.py generate_cohort`. Three steps:

1. Every video of the task goes once through the video pipeline (`run_pipeline` with the
   worker's default PipelineConfig: pose, silhouettes, back masks selected by theta). The
   analyse_video folder (features.json, masks/) is cached under
   var/acceptance/<cohort>/<participant>/<task>/ with the video's size and time, so a rerun
   skips the pipeline (and a regenerated cohort under the same name does not). While the
   cohort is still being generated, the finished participants are processed.
2. Participants whose recording passes QC and has masks (as the platform's training set
   requires; --include-qc-failures takes the others too) are cross-validated with the
   profile (default: the platform's default profile), grouped by participant; the report
   (report.json, report.md, roc.png) is written to --report.
3. The CV accuracy (macro over folds with its 95% CI, and pooled over participants) is set
   against references computed on the same folds: the generator's Bayes-optimal accuracy
   (cohort.json) and how the Bayes rule scores on this cohort's own latents, and a
   logistic regression on the true spine angles at the deepest frame (what the movement
   shows) and on the back outline of the pipeline's masks (what the masks still carry; two
   read-outs: the 6 deepest masks, and deepest minus standing reduced to 8 principal
   components). Pass when the macro accuracy is at least the better outline reference,
   within 5 points of the true-spine reference, with AUC >= 0.85, and at most
   Bayes + 1.96 sqrt(Bayes (1 - Bayes) / n) (above that the CV would beat the best
   possible classifier by more than sampling error of n participants: leakage).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifier.ml.config import DEFAULT_PROFILE, PROFILES, profile_config  # noqa: E402
from mlpipeline.processing.cohort_cache import analyse_cohort, recorded_tasks  # noqa: E402
from mlpipeline.synthetic.phenotype import LATENTS, bayes_optimal_accuracy  # noqa: E402

MARGIN = 0.05  # "within 5 points of the true-spine reference"
MIN_AUC = 0.85


def visible_latents(task: str):
    """The planted latents a recording of `task` can show (standing lordosis: both)."""
    if task == "both":
        return LATENTS
    other = "forward" if task == "backward" else "backward"
    return tuple(spec for spec in LATENTS if not spec.name.startswith(other))


def bayes_rule_accuracy(cohort: Path, ids: list[str], latents) -> float:
    """Accuracy of the Bayes rule (equal priors, shared identity covariance in SD units) on
    the drawn latents of these participants: what the ideal classifier scores on them."""
    correct = 0
    for pid in ids:
        info = json.loads((cohort / "ground_truth" / pid / "participant.json").read_text())
        score = sum(
            spec.separation * (info["phenotype"][spec.name] - (spec.mean_fp + spec.mean_ep) / 2)
            / spec.sd
            for spec in latents
        )  # > 0 leans EP
        correct += ("EP" if score > 0 else "FP") == info["group"]
    return correct / len(ids)


def reference_accuracy(x, participants, cfg, reduce=None) -> float:
    """Macro CV accuracy of a standardised, L2-regularised logistic regression on features
    x (one row per participant), on the same grouped folds as the CNN; `reduce` (such as a
    PCA) is fitted inside each training fold."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from classifier.ml.cv import grouped_folds

    y = np.array([p.label for p in participants])
    folds = grouped_folds([str(p.group) for p in participants], list(y), cfg.folds, seed=cfg.seed)
    scores = []
    for train, test in folds:
        steps = [StandardScaler(), *([reduce] if reduce is not None else []),
                 LogisticRegression(C=0.1, max_iter=2000)]
        model = make_pipeline(*steps)
        scores.append(model.fit(x[train], y[train]).score(x[test], y[test]))
    return float(np.mean(scores))


def spine_reference(cohort: Path, participants, cfg, task: str) -> float:
    """Reference on the true spine: the generator's lumbar and thoracic joint angles at the
    deepest frame of the recording (ground truth, no rendering, no pipeline). What the
    movement itself shows, before the body outline, the camera and segmentation."""
    import numpy as np

    rows = []
    for p in participants:
        parts = []
        for t in recorded_tasks(task):
            truth = np.load(cohort / "ground_truth" / p.participant_id / f"{t}.npz")
            deepest = int(np.argmax(truth["progress"]))
            parts += [truth["lumbar_deg"][deepest], truth["thoracic_deg"][deepest]]
        rows.append(np.concatenate(parts))
    return reference_accuracy(np.stack(rows), participants, cfg)


def back_edge(prepared, deepest_first):
    """Centred back-edge column per row (the back is on the left: masks face right),
    averaged over the given masks of one participant; rows without silhouette are 0."""
    import numpy as np

    solid = prepared[deepest_first] >= 128  # (n, S, S)
    first = np.where(solid.any(axis=2), solid.argmax(axis=2), np.nan).astype(float)
    first -= np.nanmean(first, axis=1, keepdims=True)
    return np.nan_to_num(np.nanmean(first, axis=0))  # (S,)


def back_edge_reference(participants, cfg, deepest: int = 6, size: int = 64) -> float:
    """Macro CV accuracy of a logistic regression on the back outline, same folds as the CNN.

    Features: for each row of a participant's `deepest` masks (highest theta, at the CNN's
    image size), the column where the silhouette starts (the back, as masks face right),
    centred and averaged over the masks. It tells how much backward signal the pipeline's
    masks still carry, so that a gap to Bayes can be put on the pipeline or on the CNN.
    """
    import numpy as np

    def outline(p) -> np.ndarray:
        return back_edge(p.prepared(size), np.argsort(p.thetas)[::-1][:deepest])

    return reference_accuracy(np.stack([outline(p) for p in participants]), participants, cfg)


def outline_change_reference(participants, cfg, deepest: int = 6, size: int = 64) -> float:
    """As back_edge_reference, on the deepest masks' outline minus the standing masks'
    (the lowest-theta ones), reduced to 8 principal components fitted on the training folds."""
    import numpy as np
    from sklearn.decomposition import PCA

    def change(p) -> np.ndarray:
        order = np.argsort(p.thetas)
        return (back_edge(p.prepared(size), order[::-1][:deepest])
                - back_edge(p.prepared(size), order[:deepest]))

    x = np.stack([change(p) for p in participants])
    return reference_accuracy(x, participants, cfg, reduce=PCA(n_components=8))


def verdict(accuracy: float, auc: float, bayes: float, spine: float, outline: float,
            n: int) -> tuple[bool, str]:
    sampling = 1.96 * math.sqrt(bayes * (1 - bayes) / n)
    low = max(outline, spine - MARGIN)
    passed = low <= accuracy <= bayes + sampling and auc >= MIN_AUC
    text = (f"needs >= {low:.1%} (the outline reference {outline:.1%} and the true-spine "
            f"reference - 5 points {spine - MARGIN:.1%}), <= {bayes + sampling:.1%} (Bayes + "
            f"1.96 SE of {n} participants) and AUC >= {MIN_AUC}")
    return passed, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cohort", type=Path)
    parser.add_argument("--task", choices=["backward", "forward", "both"], default="backward")
    parser.add_argument("--masks", type=int, default=80, help="K masks per participant")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", choices=PROFILES, default=DEFAULT_PROFILE)
    parser.add_argument("--streams", help="override the profile's streams, e.g. images,curvature")
    parser.add_argument("--threads", type=int, help="torch threads (default: the profile's)")
    parser.add_argument("--epochs", type=int, help="override the profile's epochs")
    parser.add_argument("--patience", type=int,
                        help="override the profile's early stopping (0: none, all epochs)")
    parser.add_argument("--lr", type=float, help="override the profile's learning rate")
    parser.add_argument("--train-masks", type=int, help="override the masks per training step")
    parser.add_argument("--image-size", type=int, help="override the profile's mask size")
    parser.add_argument("--workers", type=int, default=1, help="pipeline processes")
    parser.add_argument("--cache", type=Path, help="default var/acceptance/<cohort name>")
    parser.add_argument("--report", type=Path, help="default <cache>/report_<task>_k<K>")
    parser.add_argument("--include-qc-failures", action="store_true",
                        help="also use recordings whose QC asks for a new recording")
    parser.add_argument("--pipeline-only", action="store_true",
                        help="analyse the (finished) videos and stop")
    args = parser.parse_args()
    cohort = args.cohort.resolve()
    cache = args.cache or ROOT / "var" / "acceptance" / cohort.name
    tasks = recorded_tasks(args.task)

    tick = time.perf_counter()
    analyse_cohort(cohort, cache, tasks, args.workers)
    print(f"pipeline: {time.perf_counter() - tick:.0f} s (cache {cache})", flush=True)
    if args.pipeline_only:
        return
    if not (cohort / "cohort.json").exists():
        sys.exit("cohort.json is missing: the cohort is still being generated")

    from classifier.ml.cohort import cohort_participants
    from classifier.ml.config import sized_for
    from classifier.ml.report import write_report
    from classifier.ml.train import cross_validate

    participants, skipped = cohort_participants(cohort, cache, args.task,
                                              qc_failures=args.include_qc_failures)
    for note in skipped:
        print(f"skipped {note}")
    overrides = {"task": args.task, "masks": args.masks, "folds": args.folds, "seed": args.seed}
    for name in ("threads", "epochs", "lr", "train_masks"):
        if getattr(args, name):
            overrides[name] = getattr(args, name)
    if args.patience is not None:
        overrides["patience"] = args.patience or None
    model_overrides: dict[str, object] = {}
    if args.image_size:
        model_overrides["image_size"] = args.image_size
    if args.streams:
        model_overrides["streams"] = tuple(s.strip() for s in args.streams.split(","))
    if model_overrides:
        overrides["model"] = model_overrides
    cfg = sized_for(profile_config(args.profile).replace(**overrides), participants)
    tick = time.perf_counter()
    result = cross_validate(participants, cfg)
    seconds = time.perf_counter() - tick
    report_dir = args.report or cache / f"report_{args.task}_k{args.masks}"
    write_report(result, report_dir, title=f"Acceptance: {cohort.name}, {args.task}",
                 extra={"participants": len(participants), "cohort": str(cohort)})

    n = len(participants)
    bayes = float(json.loads((cohort / "cohort.json").read_text())["phenotype"][
        "bayes_optimal_accuracy"])
    ids = [p.participant_id for p in participants]
    task_bayes = bayes_optimal_accuracy(visible_latents(args.task))
    macro = result.macro["accuracy"]
    low, high = macro["ci95"]
    pooled = result.micro["metrics"]["accuracy"]
    matrix = result.micro["confusion_matrix"]["matrix"]
    print(f"\n{cohort.name}: {n} participants ({sum(p.label for p in participants)} FP), "
          f"task {args.task}, K = {args.masks}, profile {args.profile}, {args.folds} folds, "
          f"seed {args.seed}; CV {seconds / 60:.1f} min")
    print(f"settings: {cfg.model.image_size} px, {cfg.k_train} masks per step, {cfg.epochs} "
          f"epochs, patience {cfg.patience}, lr {cfg.lr}, batch {cfg.batch_size}")
    print(f"CV accuracy (macro over folds): {macro['mean']:.1%} (95% CI {low:.1%} to {high:.1%})")
    print(f"CV accuracy (pooled):           {pooled:.1%}; confusion [[EP->EP, EP->FP], "
          f"[FP->EP, FP->FP]] = {matrix}")
    print(f"AUC {result.macro['auc']['mean']:.3f}, F1 (EP) {result.macro['f1']['mean']:.3f}, "
          f"MCC {result.macro['mcc']['mean']:.3f}; fold epochs "
          f"{[f.best_epoch for f in result.folds]}")
    probabilities = [p for f in result.folds for p in f.probabilities]
    saturated = sum(1 for p in probabilities if p < 0.01 or p > 0.99) / len(probabilities)
    print(f"calibration: fold temperatures {[round(f.temperature, 2) for f in result.folds]}, "
          f"{saturated:.0%} of held-out P(FP) below 1% or above 99%")
    print(f"Bayes-optimal accuracy (cohort.json, all latents): {bayes:.1%}")
    print(f"Bayes limit of the latents a {args.task} recording shows: {task_bayes:.1%}")
    print(f"Bayes rule on these participants' own latents: all "
          f"{bayes_rule_accuracy(cohort, ids, LATENTS):.1%}, {args.task} "
          f"{bayes_rule_accuracy(cohort, ids, visible_latents(args.task)):.1%}")
    print("references, logistic regression on the same folds:")
    spine = spine_reference(cohort, participants, cfg, args.task)
    deepest = back_edge_reference(participants, cfg)
    change = outline_change_reference(participants, cfg)
    print(f"  true spine (generator's lumbar and thoracic angles at the deepest frame): "
          f"{spine:.1%}")
    print(f"  back outline of the pipeline's 6 deepest masks: {deepest:.1%}")
    print(f"  back outline, 6 deepest minus 6 standing masks, PCA 8: {change:.1%}")
    passed, text = verdict(macro["mean"], result.macro["auc"]["mean"], bayes, spine,
                           max(deepest, change), n)
    print(f"{'PASS' if passed else 'FAIL'}: {macro['mean']:.1%} {text}")
    print(f"report: {report_dir}")


if __name__ == "__main__":
    main()
