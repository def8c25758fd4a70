"""Decode a probed video once, in order, into upright RGB frames at a working size.

Phones store portrait video as landscape frames plus a display matrix; FFmpeg exposes the
matrix as `VideoFrame.rotation` (degrees counter-clockwise). Every frame leaving this module
is already turned upright, so later stages never think about rotation. Only the frames a
caller asks for are scaled and converted to RGB; the others are decoded (the codec needs
them) and dropped, which is most of the saving when pose runs below the camera frame rate.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import av
import numpy as np
from numpy.typing import NDArray

from mlpipeline.video.probe import OPEN_OPTIONS, reject

RGBImage = NDArray[np.uint8]


@dataclass(frozen=True)
class Geometry:
    """Sizes of the upright frame and of the working copy (both width, height)."""

    rotation: int  # counter-clockwise degrees that turn the stored frame upright
    upright_size: tuple[int, int]
    work_size: tuple[int, int]

    @property
    def scale(self) -> float:
        """Working pixels per upright pixel."""
        return self.work_size[0] / self.upright_size[0]


@dataclass(frozen=True)
class Frame:
    """One decoded frame: display-order index, container time in seconds, optional image."""

    index: int
    t: float
    image: RGBImage | None  # upright RGB at the working size, or None if not requested


def working_size(width: int, height: int, max_long_side: int) -> tuple[int, int]:
    """Even-sized (width, height) with the same aspect, long side at most `max_long_side`."""
    scale = min(1.0, max_long_side / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def geometry_for(
    stored_width: int, stored_height: int, rotation: int, max_long_side: int
) -> Geometry:
    quarter_turns = round(rotation / 90) % 4
    upright = (stored_height, stored_width) if quarter_turns % 2 else (stored_width, stored_height)
    return Geometry(
        rotation=quarter_turns * 90,
        upright_size=upright,
        work_size=working_size(*upright, max_long_side),
    )


def iter_frames(
    path: str | os.PathLike[str],
    *,
    max_long_side: int = 640,
    wanted: Callable[[int, float], bool] | None = None,
    on_geometry: Callable[[Geometry], None] | None = None,
    threads: int = 0,
) -> Iterator[Frame]:
    """Yield every frame in display order; images only where `wanted(index, t)` is true.

    `on_geometry` is called once, before the first frame, with the sizes in use.
    Raises `VideoRejected("corrupt_video")` when the stream cannot be decoded, and
    `decode_memory` / `decode_timeout` when the decoder passes its caps: decoding runs in
    a child process with a memory and time limit (sandbox.py) unless
    ``VIDEO_DECODE_SANDBOX=0``.
    """
    from mlpipeline.video import sandbox

    if sandbox.sandbox_enabled():
        return sandbox.iter_frames_sandboxed(path, max_long_side=max_long_side,
                                             wanted=wanted, on_geometry=on_geometry,
                                             threads=threads)
    return iter_frames_in_process(path, max_long_side=max_long_side, wanted=wanted,
                                  on_geometry=on_geometry, threads=threads)


def iter_frames_in_process(
    path: str | os.PathLike[str],
    *,
    max_long_side: int = 640,
    wanted: Callable[[int, float], bool] | None = None,
    on_geometry: Callable[[Geometry], None] | None = None,
    threads: int = 0,
) -> Iterator[Frame]:
    """`iter_frames` in this process, with no limits (the sandbox's child runs this)."""
    try:
        with av.open(os.fspath(path), container_options=OPEN_OPTIONS) as box:
            stream = box.streams.video[0]
            stream.thread_type = "AUTO"
            stream.codec_context.thread_count = threads
            start = stream.start_time or 0
            time_base = float(stream.time_base)
            fps = float(stream.average_rate or 30)
            geometry: Geometry | None = None
            for index, frame in enumerate(box.decode(stream)):
                if geometry is None:
                    geometry = geometry_for(
                        frame.width, frame.height, frame.rotation, max_long_side
                    )
                    if on_geometry is not None:
                        on_geometry(geometry)
                t = (frame.pts - start) * time_base if frame.pts is not None else index / fps
                image = None
                if wanted is None or wanted(index, t):
                    image = upright_rgb(frame, geometry)
                yield Frame(index=index, t=t, image=image)
    except av.error.FFmpegError as exc:
        raise reject("corrupt_video", str(exc)) from exc


def upright_rgb(frame: av.VideoFrame, geometry: Geometry) -> RGBImage:
    """Scale (in the stored orientation) then rotate, so the scaler touches fewer pixels."""
    width, height = geometry.work_size
    quarter_turns = geometry.rotation // 90
    if quarter_turns % 2:
        width, height = height, width
    image = frame.reformat(width=width, height=height, format="rgb24").to_ndarray()
    if quarter_turns:
        image = np.ascontiguousarray(np.rot90(image, quarter_turns))
    return image


def decode_only(path: str | os.PathLike[str], threads: int = 0) -> int:
    """Decode every frame and convert none (the benchmark's baseline); return the count."""
    count = 0
    with av.open(os.fspath(path), container_options=OPEN_OPTIONS) as box:
        stream = box.streams.video[0]
        stream.thread_type = "AUTO"
        stream.codec_context.thread_count = threads
        for _ in box.decode(stream):
            count += 1
    return count
