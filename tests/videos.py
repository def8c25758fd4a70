"""Small videos written with PyAV inside the tests, and where the real clips are."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REAL_DIR = Path(os.environ.get("BACKTRACKER_REAL_CLIPS", ROOT.parent / "shared" / "data" / "real"))


def write_video(
    path: Path,
    frames: Iterable[np.ndarray],
    *,
    fps: int = 30,
    codec: str = "libx264",
    rotation: int | None = None,
) -> Path:
    """Encode RGB frames (H, W, 3 uint8) into an MP4; optional display-matrix rotation."""
    frames = iter(frames)
    first = next(frames)
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream(codec, rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height = first.shape[1], first.shape[0]
        stream.pix_fmt = "yuv420p"
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for image in [first, *frames]:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def grey_frames(count: int = 10, size: tuple[int, int] = (64, 64)) -> list[np.ndarray]:
    return [np.full((*size, 3), 40 + 10 * i, np.uint8) for i in range(count)]
