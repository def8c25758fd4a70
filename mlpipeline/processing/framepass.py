"""The single decoding pass: decode in a background thread, run pose on wanted frames,
and collect everything later stages need (keypoints, raw masks, light, camera motion)."""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import cv2
import numpy as np

from mlpipeline.processing.errors import VideoRejected
from mlpipeline.processing.pose import PoseBackend, PoseEstimate
from mlpipeline.processing.signals import CameraMotion, brightness
from mlpipeline.video.decode import Frame, Geometry, iter_frames
from mlpipeline.video.probe import ProbeResult

if TYPE_CHECKING:
    from mlpipeline.processing.pipeline import PipelineConfig, ProgressCallback


@dataclass
class FramePass:
    """What the single decoding pass collects, per analysed frame."""

    index: list[int] = field(default_factory=list)
    t: list[float] = field(default_factory=list)
    keypoints: list[np.ndarray] = field(default_factory=list)
    people: list[int] = field(default_factory=list)
    brightness: list[float] = field(default_factory=list)
    masks: dict[int, np.ndarray] = field(default_factory=dict)  # position -> packed raw mask
    images: dict[int, bytes] = field(default_factory=dict)  # position -> JPEG, if needed later
    camera: CameraMotion = field(default_factory=CameraMotion)
    decode_s: float = 0.0
    pose_s: float = 0.0


def analyse_frames(
    path: str | os.PathLike[str],
    probe: ProbeResult,
    config: PipelineConfig,
    pose: PoseBackend,
    people_checker: Callable[[np.ndarray, np.ndarray], int] | None,
    *,
    keep_images: bool,
    geometry_box: list[Geometry],
    report: ProgressCallback,
) -> FramePass:
    collected = FramePass()
    next_pose_t = [0.0]
    next_people_t = 0.0

    step = 1.0 / config.analysis_fps

    def wanted(index: int, t: float) -> bool:
        """One frame per `step` seconds of container time (phones record variable rates)."""
        if t + 1e-6 < next_pose_t[0]:
            return False
        next_pose_t[0] += step
        if next_pose_t[0] <= t:  # after a gap in the timestamps, restart from here
            next_pose_t[0] = t + step
        return True

    expected = max(1.0, probe.duration_s * min(config.analysis_fps, probe.fps))
    frames = decode_in_background(path, config, wanted, geometry_box, collected)
    for frame in frames:
        if frame.image is None:
            continue
        tick = time.perf_counter()
        estimate = pose.estimate(frame.image)
        position = len(collected.index)
        mask = None
        if estimate.mask is not None:
            mask = estimate.mask >= 128  # cleaned later, only for the frames that are kept
            if mask.any():
                collected.masks[position] = np.packbits(mask, axis=-1)
        if people_checker is not None and frame.t >= next_people_t and mask is not None:
            next_people_t = frame.t + 1.0 / config.people_check_fps
            estimate.people = people_checker(frame.image, mask)
        collected.pose_s += time.perf_counter() - tick
        record_frame(collected, position, frame, estimate, mask, keep_images)
        report("analyse", 5.0 + 80.0 * min(1.0, position / expected))
    if not collected.index:
        raise VideoRejected(
            "corrupt_video",
            "The video file is damaged and cannot be read. Please record it again.",
            "no frames decoded",
        )
    return collected


def record_frame(
    collected: FramePass,
    position: int,
    frame: Frame,
    estimate: PoseEstimate,
    mask: np.ndarray | None,
    keep_images: bool,
) -> None:
    assert frame.image is not None
    collected.index.append(frame.index)
    collected.t.append(frame.t)
    collected.keypoints.append(estimate.keypoints)
    collected.people.append(estimate.people)
    collected.brightness.append(brightness(frame.image))
    if mask is None and estimate.keypoints[:, 2].max() > 0:
        mask = keypoint_hull(estimate.keypoints, frame.image.shape)
    collected.camera.update(frame.image, mask)
    if keep_images:
        ok, jpeg = cv2.imencode(
            ".jpg", cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92]
        )
        if ok:
            collected.images[position] = jpeg.tobytes()


def keypoint_hull(keypoints: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Rough person region (enlarged keypoint box) to keep camera tracking off the person."""
    region = np.zeros(shape[:2], bool)
    confident = keypoints[keypoints[:, 2] >= 0.3, :2]
    if len(confident):
        (x0, y0), (x1, y1) = confident.min(0), confident.max(0)
        pad = 0.25 * max(x1 - x0, y1 - y0) + 10
        region[max(0, int(y0 - pad)) : int(y1 + pad), max(0, int(x0 - pad)) : int(x1 + pad)] = True
    return region


def decode_in_background(
    path: str | os.PathLike[str],
    config: PipelineConfig,
    wanted: Callable[[int, float], bool],
    geometry_box: list[Geometry],
    collected: FramePass,
) -> Iterator[Frame]:
    """Frames from a decoding thread (PyAV releases the GIL), so decoding overlaps pose."""
    frames: queue.Queue[Frame | BaseException | None] = queue.Queue(maxsize=6)
    stop = threading.Event()

    def offer(item: Frame | BaseException | None) -> bool:
        """Queue `item` unless the consumer has gone; False when it has."""
        while not stop.is_set():
            try:
                frames.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        tick = time.perf_counter()
        try:
            for frame in iter_frames(
                path,
                max_long_side=config.work_long_side,
                wanted=wanted,
                on_geometry=geometry_box.append,
            ):
                if frame.image is not None and not offer(frame):
                    return
            offer(None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            offer(exc)
        finally:
            collected.decode_s = time.perf_counter() - tick

    worker = threading.Thread(target=produce, name="decode", daemon=True)
    worker.start()
    try:
        while (item := frames.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=10)
