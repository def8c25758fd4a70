"""Annotated overlay video: the trunk and leg lines, theta, and the quality verdict.

Used for review (`analyse_video --overlay`), so it decodes the clip a second time at the
working size rather than slowing down the analysis pass.
"""

from __future__ import annotations

import bisect
import os

import av
import cv2
import numpy as np

from mlpipeline.processing.pipeline import FrameResult, PipelineResult
from mlpipeline.video.decode import iter_frames

GREEN, AMBER, RED, WHITE = (60, 200, 80), (255, 190, 0), (230, 50, 50), (255, 255, 255)


def write_overlay(
    video: str | os.PathLike[str], result: PipelineResult, out_path: str | os.PathLike[str]
) -> None:
    """Encode an H.264 MP4 of the upright clip at the working size with annotations."""
    frames = result.frames
    times = [f.t for f in frames]
    scale = result.geometry.scale
    width, height = result.geometry.work_size
    verdict = "quality OK" if result.qc.ok else "; ".join(i.code for i in result.qc.issues)
    with av.open(os.fspath(out_path), "w", format="mp4") as box:
        stream = box.add_stream(
            "libx264", rate=round(result.fps) or 30, options={"preset": "veryfast", "crf": "26"}
        )
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for frame in iter_frames(video, max_long_side=result.config.work_long_side):
            if frame.image is None:
                continue
            position = max(0, bisect.bisect_right(times, frame.t + 1e-6) - 1)
            image = draw(frame.image.copy(), frames[position] if frames else None, scale)
            cv2.putText(
                image,
                verdict[:60],
                (8, height - 12),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.45,
                GREEN if result.qc.ok else RED,
                1,
                cv2.LINE_AA,
            )
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)


def draw(image: np.ndarray, frame: FrameResult | None, scale: float) -> np.ndarray:
    """Neck-hip-ankle polyline and theta on an RGB image at the working size."""
    if frame is None or frame.neck is None or frame.hip is None or frame.ankle is None:
        cv2.putText(image, "no person", (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, RED, 2, cv2.LINE_AA)
        return image
    colour = GREEN if frame.theta is not None else AMBER
    points = [(int(p[0] * scale), int(p[1] * scale)) for p in (frame.neck, frame.hip, frame.ankle)]
    cv2.polylines(image, [np.array(points, np.int32)], False, colour, 3, cv2.LINE_AA)
    for point in points:
        cv2.circle(image, point, 5, WHITE, -1, cv2.LINE_AA)
    label = (
        "out of frame"
        if frame.out_of_frame
        else (f"theta {frame.theta:5.1f}" if frame.theta is not None else "unreliable")
    )
    cv2.putText(image, label, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, colour, 2, cv2.LINE_AA)
    return image
