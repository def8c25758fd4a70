"""Write a `PipelineResult` to a folder in the format of DESIGN.md (`analyse_video`):

    DIR/features.json      fps, frames (index, t, theta, keypoints neck/hip/ankle), the ten
                           motion features, qc {ok, issues}, masks [{file, frame, theta,
                           lumbar_deg, thoracic_deg}], curvature (the clip's standing and
                           peak outline angles and lumbar share, see processing.curvature)
    DIR/masks/NNNNNN.png   back masks, 8-bit 0/255, named by frame index
    DIR/silhouettes.npz    optional: `masks` (T, H, W) bool full-frame person masks of the
                           upright frame, `frames` (T,) frame indices, `t` (T,) seconds;
                           T = every analysed frame (all False where no person was found),
                           or with a post-pass segmenter (SAM) only the kept frames

features.json is written last, through a temporary file, so its presence means the folder
is complete.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from mlpipeline.processing.backmasks import THETA_BIN_DEG
from mlpipeline.processing.identity import pipeline_identity
from mlpipeline.processing.pipeline import (
    PipelineConfig,
    PipelineResult,
    ProgressCallback,
    run_pipeline,
)

FORMAT_VERSION = 2  # 2: curvature per mask and per clip


def features_document(result: PipelineResult) -> dict[str, Any]:
    """The features.json content (JSON-ready: NaN becomes null)."""
    width, height = result.geometry.upright_size
    config = result.config
    document = {
        "format_version": FORMAT_VERSION,
        "pipeline_version": result.version,
        "pipeline": pipeline_identity(config),  # what the version is derived from
        "task": result.task,
        "fps": result.fps,
        "analysis_fps": config.analysis_fps,
        "video": {
            "width": width,
            "height": height,
            "rotation": result.geometry.rotation,
            "duration": result.probe.duration_s,
            "frame_count": result.probe.frame_count,
            "codec": result.probe.codec,
        },
        "backends": {"pose": config.pose_backend, "segmenter": config.segmenter},
        "facing": "right" if result.facing > 0 else "left",
        "frames": [
            {
                "index": f.index,
                "t": f.t,
                "theta": f.theta,
                "signed_theta": f.signed_theta,
                "keypoints": {"neck": f.neck, "hip": f.hip, "ankle": f.ankle},
                "person": f.person,
                "out_of_frame": f.out_of_frame,
            }
            for f in result.frames
        ],
        "repetitions": [
            {"start_t": r.start_t, "peak_t": r.peak_t, "end_t": r.end_t, "peak_theta": r.peak_theta}
            for r in result.repetitions
        ],
        "motion_features": result.motion_features,
        "qc": result.qc.as_dict(),
        "mask_size": config.mask_size,
        "theta_bin_deg": THETA_BIN_DEG,
        "masks": [
            {
                "file": f"masks/{mask_file_name(m.frame)}",
                "frame": m.frame,
                "t": m.t,
                "theta": m.theta,
                "theta_bin": m.theta_bin,
                "lumbar_deg": angles.lumbar_deg,
                "thoracic_deg": angles.thoracic_deg,
            }
            for m, angles in zip(result.back_masks, result.mask_angles, strict=True)
        ],
        "curvature": result.curvature.as_dict(),
        "timings": result.timings,
    }
    return _without_nan(document)


def mask_file_name(frame: int) -> str:
    return f"{frame:06d}.png"


def write_outputs(
    result: PipelineResult, out_dir: str | os.PathLike[str], *, silhouettes: bool = False
) -> Path:
    """Write features.json, masks/ and optionally silhouettes.npz; return features.json."""
    out = Path(out_dir)
    masks_dir = out / "masks"
    masks_dir.mkdir(parents=True, exist_ok=True)
    for stale in masks_dir.glob("*.png"):  # from an earlier run into the same folder
        stale.unlink()
    for mask in result.back_masks:
        if not cv2.imwrite(
            str(masks_dir / mask_file_name(mask.frame)), mask.mask.astype(np.uint8) * 255
        ):
            raise OSError(f"could not write {masks_dir / mask_file_name(mask.frame)}")
    if silhouettes:
        frames, masks = silhouettes_upright(result)
        times = {f.index: f.t for f in result.frames}
        np.savez_compressed(
            out / "silhouettes.npz",
            masks=masks,
            frames=frames,
            t=np.array([times[int(i)] for i in frames], np.float64),
        )
    target = out / "features.json"
    partial = out / ".features.json.partial"
    partial.write_text(json.dumps(features_document(result), allow_nan=False))
    os.replace(partial, target)
    return target


def analyse_to_directory(
    video: str | os.PathLike[str],
    task: str,
    out_dir: str | os.PathLike[str],
    config: PipelineConfig,
    *,
    overlay: bool = False,
    progress_callback: ProgressCallback | None = None,
) -> PipelineResult:
    """What `manage.py analyse_video` does, without Django: analyse, then write.

    Nothing is written when the video is rejected (the pipeline raises before writing).
    """
    result = run_pipeline(video, task, config, progress_callback)
    write_outputs(result, out_dir, silhouettes=config.keep_silhouettes)
    if overlay:
        from mlpipeline.processing.overlay import write_overlay

        write_overlay(video, result, Path(out_dir) / "overlay.mp4")
    return result


def _without_nan(value: Any) -> Any:
    if isinstance(value, float):
        return None if not math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: _without_nan(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nan(v) for v in value]
    if isinstance(value, np.generic):
        return _without_nan(value.item())
    return value


def silhouettes_upright(result: PipelineResult) -> tuple[np.ndarray, np.ndarray]:
    """(frames (T,), masks (T, H, W) bool) at the upright frame's full size."""
    if not result.silhouettes:
        width, height = result.geometry.upright_size
        return np.zeros(0, np.int64), np.zeros((0, height, width), bool)
    width, height = result.geometry.upright_size
    frames = np.array(sorted(result.silhouettes), np.int64)
    masks = np.zeros((len(frames), height, width), bool)
    for n, index in enumerate(frames):
        small = result.silhouettes[int(index)].astype(np.uint8) * 255
        masks[n] = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR) >= 128
    return frames, masks
