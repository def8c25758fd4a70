"""A labelled cohort folder and its analysed cache, as mlpipeline.processing.cohort_cache
writes them, built from toy participants (no rendering, no pipeline)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np

from mlpipeline.processing.cohort_cache import video_stamp
from mlpipeline.processing.curvature import CURVATURE_VECTOR_NAMES


def write_analysed_cohort(root: Path, participants, cache: Path | None = None
                          ) -> tuple[Path, Path]:
    """ROOT/cohort (cohort.csv, cohort.json, stand-in videos) and its cache (default
    ROOT/cache) with features.json, masks and source.json stamps for the backward bend."""
    cohort, cache = root / "cohort", cache or root / "cache"
    (cohort / "videos").mkdir(parents=True)
    with (cohort / "cohort.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["participant_id", "group", "forward_video",
                                                "backward_video"])
        writer.writeheader()
        for p in participants:
            video = cohort / "videos" / f"{p.participant_id}.mp4"
            video.write_bytes(b"stand-in: the cache answers for it")
            writer.writerow({"participant_id": p.participant_id, "group": p.phenotype,
                             "forward_video": "", "backward_video": f"videos/{video.name}"})
            folder = cache / p.participant_id / "backward"
            (folder / "masks").mkdir(parents=True)
            entries = []
            for n, (mask, theta) in enumerate(zip(p.masks, p.thetas, strict=True)):
                cv2.imwrite(str(folder / "masks" / f"{n:06d}.png"), mask.astype(np.uint8) * 255)
                entries.append({"file": f"masks/{n:06d}.png", "frame": n, "theta": theta})
            document = {"qc": {"ok": True, "issues": []}, "masks": entries,
                        "motion_features": {},
                        "curvature": dict(zip(CURVATURE_VECTOR_NAMES,
                                              p.curvature.tolist(), strict=True))}
            (folder / "features.json").write_text(json.dumps(document))
            (folder / "source.json").write_text(json.dumps(video_stamp(video)))
    (cohort / "cohort.json").write_text(json.dumps({"seed": 99, "generator_version": 3}))
    return cohort, cache
