"""`run_pipeline`: from a video file to theta, motion features, back masks and quality.

Frames are decoded once, in a background thread, while pose runs on the caller's thread.
Pose runs at `analysis_fps` (default 5 per second: a bend and its hold last seconds, so
repetition timing keeps a resolution of 0.2 s; BlazePose costs ~22 ms a frame, which makes
it the bottleneck), and only those frames are scaled and converted to RGB.
With MediaPipe for both pose and segmentation, silhouettes come from the same BlazePose
pass; other segmenters run afterwards only on the frames whose back masks are kept.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from mlpipeline.processing.backmasks import BackMask, back_mask, select_masks
from mlpipeline.processing.curvature import (
    CurvatureSummary,
    OutlineAngles,
    outline_angles,
    summarise_curvature,
)
from mlpipeline.processing.errors import PipelineError, VideoRejected
from mlpipeline.processing.features import (
    Repetition,
    detect_repetitions,
    facing_direction,
    motion_features,
    signed_spinal_angle_deg,
    spinal_angle_deg,
)
from mlpipeline.processing.framepass import FramePass, analyse_frames
from mlpipeline.processing.identity import pipeline_version
from mlpipeline.processing.pose import (
    K,
    body_points,
    clean_keypoint_series,
    make_pose_backend,
    midpoint,
)
from mlpipeline.processing.quality import (
    QualityReport,
    QualitySignals,
    QualityThresholds,
    assess_quality,
)
from mlpipeline.processing.segmentation import (
    Segmenter,
    clean_mask,
    make_segmenter,
)
from mlpipeline.processing.signals import (
    head_or_feet_outside,
    identity_switches,
    width_ratio,
)
from mlpipeline.video.decode import Geometry
from mlpipeline.video.probe import ProbeLimits, ProbeResult, probe_video

TASKS = ("forward", "backward")
ProgressCallback = Callable[[str, float], None]

__all__ = ["PipelineConfig", "PipelineError", "PipelineResult", "VideoRejected", "run_pipeline"]


@dataclass(frozen=True)
class PipelineConfig:
    """Everything a caller (Celery task, command) may choose. Paths are operator-supplied."""

    pose_backend: str = "mediapipe"  # or "higherhrnet"
    pose_model: str = "full"  # BlazePose lite, full or heavy (processing.pose_models)
    segmenter: str = "mediapipe"  # or "sam"
    higherhrnet_path: str | None = None
    sam_encoder_path: str | None = None
    sam_decoder_path: str | None = None
    analysis_fps: float = 5.0
    pose_redetect_jump: float = 0.15  # see MediaPipePose
    work_long_side: int = 640  # working image size for pose and masks
    mask_size: int = 128
    mask_margin: float = 0.15
    max_masks: int = 320  # back masks kept per clip, chosen by `select_masks`
    min_confidence: float = 0.5
    max_gap_s: float = 0.4
    smoothing_hz: float = 1.5
    people_check_fps: float = 0.5
    keep_silhouettes: bool = False
    onnx_threads: int = 1
    probe: ProbeLimits = field(default_factory=ProbeLimits)
    quality: QualityThresholds = field(default_factory=QualityThresholds)


@dataclass(frozen=True)
class FrameResult:
    """One analysed frame. Points are (x, y, confidence) in pixels of the upright frame."""

    index: int
    t: float
    theta: float | None
    signed_theta: float | None
    neck: tuple[float, float, float] | None
    hip: tuple[float, float, float] | None
    ankle: tuple[float, float, float] | None
    person: bool
    out_of_frame: bool


@dataclass
class PipelineResult:
    """Everything `run_pipeline` found; `output.write_outputs` turns it into features.json.

    `frames` has one entry per analysed frame (`config.analysis_fps` per second, with the
    video's own frame indices); `back_masks` are the kept masks (at most
    `config.max_masks`, chosen by `backmasks.select_masks`); `qc.ok` is False when the
    patient should record again (`qc.issues` says why); `timings` are seconds per stage.
    """

    task: str
    config: PipelineConfig
    probe: ProbeResult
    geometry: Geometry
    fps: float
    frames: list[FrameResult]
    keypoints: np.ndarray  # (T, 21, 3) raw, upright pixels, for overlays
    facing: int
    repetitions: list[Repetition]
    motion_features: dict[str, float | None]
    qc: QualityReport
    back_masks: list[BackMask]
    mask_angles: list[OutlineAngles]  # curvature of each back mask, same order
    curvature: CurvatureSummary
    silhouettes: dict[int, np.ndarray] | None  # frame index -> (h, w) bool at working size
    timings: dict[str, float]
    version: str = ""  # identity.pipeline_version(config), set by run_pipeline


def run_pipeline(
    path: str | os.PathLike[str],
    task: str,
    config: PipelineConfig | None = None,
    progress_callback: ProgressCallback | None = None,
) -> PipelineResult:
    """Analyse one recording of `task` ("forward" or "backward").

    Raises `VideoRejected` (permanent: bad file) or another `PipelineError` (permanent:
    e.g. a missing model file). Quality problems are not errors: they are in `result.qc`.
    `progress_callback(stage, percent)` is called with stages "probe" (0), "analyse"
    (5-85, per analysed frame), "features" (85), "segment" (90) and "done" (100); percent
    is of the whole job and never decreases.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, not {task!r}")
    config = config or PipelineConfig()
    report = progress_callback or (lambda stage, percent: None)
    started = time.perf_counter()
    report("probe", 0.0)
    probe = probe_video(path, config.probe)
    timings = {"probe": time.perf_counter() - started}
    same_pass_masks = config.pose_backend == "mediapipe" and config.segmenter == "mediapipe"
    pose = make_pose_backend(
        config.pose_backend,
        model_path=config.higherhrnet_path,
        with_mask=same_pass_masks,
        threads=config.onnx_threads,
        redetect_jump=config.pose_redetect_jump,
        model=config.pose_model,
    )
    segmenter: Segmenter | None = None
    try:
        if not same_pass_masks:
            segmenter = make_segmenter(
                config.segmenter,
                encoder_path=config.sam_encoder_path,
                decoder_path=config.sam_decoder_path,
                threads=config.onnx_threads,
            )
        geometry_box: list[Geometry] = []
        collected = analyse_frames(
            path,
            probe,
            config,
            pose,
            getattr(pose, "count_people", None),
            keep_images=segmenter is not None,
            geometry_box=geometry_box,
            report=report,
        )
        timings.update(decode=collected.decode_s, pose=collected.pose_s)
        report("features", 85.0)
        result = _assemble(
            collected, probe, geometry_box[0], task, config, segmenter, timings, report
        )
    finally:
        pose.close()
        if segmenter is not None:
            segmenter.close()
    timings["total"] = time.perf_counter() - started
    result.version = pipeline_version(config)
    report("done", 100.0)
    return result


def _assemble(
    collected: FramePass,
    probe: ProbeResult,
    geometry: Geometry,
    task: str,
    config: PipelineConfig,
    segmenter: Segmenter | None,
    timings: dict[str, float],
    report: ProgressCallback,
) -> PipelineResult:
    tick = time.perf_counter()
    t = np.asarray(collected.t)
    raw = np.stack(collected.keypoints).astype(np.float32)  # (T, 21, 3) working pixels
    work_w, work_h = geometry.work_size
    person = raw[:, :, 2].max(axis=1) >= config.min_confidence
    outside = np.array([head_or_feet_outside(k, work_w, work_h) for k in raw]) & person
    points = np.stack([body_points(raw)[name] for name in ("neck", "hip", "ankle")], axis=1)
    detected = points.copy()
    points[outside, :, 2] = 0.0  # extrapolated joints of a half-visible body are not data
    clean = clean_keypoint_series(
        points,
        t,
        min_confidence=config.min_confidence,
        max_gap_s=config.max_gap_s,
        cutoff_hz=config.smoothing_hz,
    )
    neck, hip, ankle = (clean.xy[:, j] for j in range(3))
    valid = np.isfinite(clean.xy).all(axis=(1, 2)) & ~outside
    theta = np.where(valid, spinal_angle_deg(neck, hip, ankle), np.nan)
    facing = _facing(raw, upright=theta < 20.0)
    signed = np.where(valid, signed_spinal_angle_deg(neck, hip, ankle, facing), np.nan)
    repetitions = detect_repetitions(theta, t)
    features = motion_features(theta, t, repetitions)
    signals = QualitySignals(
        t=t,
        person=person,
        valid=valid,
        out_of_frame=outside,
        width_ratio=np.array([width_ratio(k) for k in raw]),
        brightness=np.asarray(collected.brightness),
        people=np.asarray(collected.people),
        identity_switches=identity_switches(raw, t, min_confidence=config.min_confidence),
        camera_shift=collected.camera.largest_shift,
        signed_theta=signed,
        repetitions=len(repetitions),
        duration_s=probe.duration_s,
    )
    qc = assess_quality(signals, task, config.quality)
    timings["features"] = time.perf_counter() - tick

    tick = time.perf_counter()
    report("segment", 90.0)
    masks, back_masks = _silhouettes_and_back_masks(
        collected, config, segmenter, raw, valid, theta, neck, hip, facing, work_w
    )
    mask_angles = [outline_angles(m.mask, config.mask_margin) for m in back_masks]
    curvature = summarise_curvature([m.theta for m in back_masks], mask_angles, task)
    timings["masks"] = time.perf_counter() - tick

    to_upright = 1.0 / geometry.scale
    frames = [
        FrameResult(
            index=collected.index[i],
            t=float(t[i]),
            theta=float(theta[i]) if valid[i] else None,
            signed_theta=float(signed[i]) if valid[i] else None,
            neck=_point(clean.xy[i, 0], detected[i, 0], to_upright, valid[i]),
            hip=_point(clean.xy[i, 1], detected[i, 1], to_upright, valid[i]),
            ankle=_point(clean.xy[i, 2], detected[i, 2], to_upright, valid[i]),
            person=bool(person[i]),
            out_of_frame=bool(outside[i]),
        )
        for i in range(len(t))
    ]
    upright = raw.copy()
    upright[..., :2] *= to_upright
    silhouettes = None
    if config.keep_silhouettes and segmenter is None:  # every analysed frame, same pass
        empty = np.zeros((work_h, work_w), bool)
        silhouettes = {collected.index[i]: masks.get(i, empty) for i in range(len(t))}
    elif config.keep_silhouettes:  # a post-pass segmenter ran on the kept frames only
        silhouettes = {collected.index[i]: m for i, m in masks.items()}
    return PipelineResult(
        task=task,
        config=config,
        probe=probe,
        geometry=geometry,
        fps=probe.fps,
        frames=frames,
        keypoints=upright,
        facing=facing,
        repetitions=repetitions,
        motion_features=features,
        qc=qc,
        back_masks=back_masks,
        mask_angles=mask_angles,
        curvature=curvature,
        silhouettes=silhouettes,
        timings=timings,
    )


def _silhouettes_and_back_masks(
    collected: FramePass,
    config: PipelineConfig,
    segmenter: Segmenter | None,
    raw: np.ndarray,
    valid: np.ndarray,
    theta: np.ndarray,
    neck: np.ndarray,
    hip: np.ndarray,
    facing: int,
    work_w: int,
) -> tuple[dict[int, np.ndarray], list[BackMask]]:
    """Person masks (by analysed-frame position) and the kept back masks.

    The frames kept are chosen among those with a valid theta by `select_masks`; only they
    are segmented by a post-pass segmenter (SAM), in time order so that it can track.
    """
    source = collected.images if segmenter is not None else collected.masks
    candidates = [int(i) for i in np.flatnonzero(valid) if int(i) in source]
    keep = [candidates[j] for j in select_masks([theta[i] for i in candidates], config.max_masks)]
    if segmenter is not None:
        masks = {}
        for i in keep:
            jpeg = np.frombuffer(collected.images[i], np.uint8)
            image = cv2.cvtColor(cv2.imdecode(jpeg, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
            masks[i] = segmenter.segment(image, raw[i])
    else:
        wanted = range(len(raw)) if config.keep_silhouettes else keep
        masks = {
            i: clean_mask(
                np.unpackbits(collected.masks[i], axis=-1, count=work_w).astype(bool), raw[i]
            )
            for i in wanted
            if i in collected.masks
        }
    back_masks = []
    for i in keep:
        if i not in masks or not masks[i].any():
            continue
        mask = back_mask(
            masks[i],
            neck[i],
            hip[i],
            size=config.mask_size,
            margin=config.mask_margin,
            facing=facing,
        )
        if mask is not None:
            back_masks.append(
                BackMask(
                    frame=collected.index[i],
                    t=float(collected.t[i]),
                    theta=float(theta[i]),
                    mask=mask,
                )
            )
    return masks, back_masks


def _point(
    smoothed: np.ndarray, detected: np.ndarray, scale: float, valid: bool
) -> tuple[float, float, float] | None:
    """Smoothed point where the frame is valid, else the raw detection (with its low
    confidence), else None; in upright pixels."""
    if valid and np.isfinite(smoothed).all():
        return (float(smoothed[0] * scale), float(smoothed[1] * scale), float(detected[2]))
    if detected[2] > 0:
        return (float(detected[0] * scale), float(detected[1] * scale), float(detected[2]))
    return None


def _facing(raw: np.ndarray, upright: np.ndarray) -> int:
    """Facing direction from toes ahead of heels, else the nose ahead of the ears.

    Only frames where the person stands roughly upright are used when there are enough:
    deep in a forward bend the nose is behind the ears.
    """
    if upright.sum() >= 3:
        raw = raw[upright]

    def mid_x(left: str, right: str) -> np.ndarray:
        point = midpoint(raw, left, right)
        return np.where(point[:, 2] >= 0.5, point[:, 0], np.nan)

    nose = np.where(raw[:, K["nose"], 2] >= 0.5, raw[:, K["nose"], 0], np.nan)
    return facing_direction(
        mid_x("left_toe", "right_toe"),
        mid_x("left_heel", "right_heel"),
        nose,
        mid_x("left_ear", "right_ear"),
    )
