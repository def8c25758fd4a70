"""The pipeline version: derived from everything that shapes the output.

Back masks, theta and the quality verdict change when the pose or segmentation backend, a
model file, the analysis rate, the working image size, the mask size, the crop margin or
the smoothing change. A model trained on masks of one kind must not be served masks of
another, so every FeatureSet and every ModelVersion carries `pipeline_version(config)`:

    "<CODE_REVISION>-<12 hex digits of the SHA-256 of pipeline_identity(config)>"

`pipeline_identity` is the JSON-ready record of those inputs (written into features.json
as `pipeline`): backends, the SHA-256 of every model file they run (BlazePose detector and
landmark model of the chosen lite/full/heavy, selfie segmentation, operator-supplied ONNX
files), the mediapipe release, and the settings that change pixels or numbers. Paths,
thread counts and whether silhouettes are kept do not count. Bump CODE_REVISION when the
code changes what it computes from the same inputs (1 was the old constant "1").
Plain Python: no Django, no MediaPipe import; files are hashed once per process.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlpipeline.processing.pose_models import file_sha256, mediapipe_dir, model_hashes

if TYPE_CHECKING:
    from mlpipeline.processing.pipeline import PipelineConfig

CODE_REVISION = 5  # 3: multiple_people also from identity switches (issue 15 item 5)
# 4: spinal curvature per mask and per clip in features.json (the curvature stream)
# 5: the curvature outline keeps to the back's own line; upper window at 0.2

# Settings that change what the pipeline computes (PipelineConfig field names).
SHAPING_SETTINGS = (
    "analysis_fps",
    "pose_redetect_jump",
    "work_long_side",
    "mask_size",
    "mask_margin",
    "max_masks",
    "min_confidence",
    "max_gap_s",
    "smoothing_hz",
    "people_check_fps",
)
SELFIE_SEGMENTATION = "modules/selfie_segmentation/selfie_segmentation.tflite"


def pipeline_identity(config: PipelineConfig) -> dict[str, Any]:
    """What shapes the output of `run_pipeline(..., config)`, JSON-ready."""
    pose: dict[str, Any] = {"backend": config.pose_backend}
    if config.pose_backend == "mediapipe":
        pose.update(model=config.pose_model, files=model_hashes(config.pose_model))
    else:
        pose["files"] = {"higherhrnet.onnx": _hash_or_missing(config.higherhrnet_path)}
    segmenter: dict[str, Any] = {"backend": config.segmenter}
    if config.segmenter == "mediapipe" and config.pose_backend == "mediapipe":
        segmenter["source"] = "BlazePose segmentation mask, same pass"
    elif config.segmenter == "mediapipe":
        segmenter["files"] = {
            "selfie_segmentation.tflite": _hash_or_missing(_in_mediapipe(SELFIE_SEGMENTATION))
        }
    else:
        segmenter["files"] = {
            "sam_encoder.onnx": _hash_or_missing(config.sam_encoder_path),
            "sam_decoder.onnx": _hash_or_missing(config.sam_decoder_path),
        }
    uses_mediapipe = "mediapipe" in (config.pose_backend, config.segmenter)
    return {
        "code_revision": CODE_REVISION,
        "pose": pose,
        "segmenter": segmenter,
        "mediapipe": _mediapipe_release() if uses_mediapipe else None,
        "settings": {name: getattr(config, name) for name in SHAPING_SETTINGS},
        "quality": asdict(config.quality),
    }


def pipeline_version(config: PipelineConfig) -> str:
    """Short stable name of `pipeline_identity(config)` (fits FeatureSet.pipeline_version)."""
    canonical = json.dumps(pipeline_identity(config), sort_keys=True, separators=(",", ":"))
    return f"{CODE_REVISION}-{hashlib.sha256(canonical.encode()).hexdigest()[:12]}"


def _in_mediapipe(relative: str) -> str | None:
    try:
        return str(mediapipe_dir() / relative)
    except Exception:  # mediapipe not installed: the identity says "missing"
        return None


def _hash_or_missing(path: str | None) -> str:
    if not path or not Path(path).is_file():
        return "missing"
    return file_sha256(Path(path))


def _mediapipe_release() -> str | None:
    try:
        return metadata.version("mediapipe")
    except metadata.PackageNotFoundError:
        return None
