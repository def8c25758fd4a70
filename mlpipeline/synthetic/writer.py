"""H.264 MP4 writing with phone-style rotation metadata (PyAV).

Frames are given upright. A phone that films portrait usually stores landscape frames and a
display matrix saying how to turn them; we do the same: the stored frame is the upright frame
turned by -rotation, and the stream's display rotation is `rotation` (counter-clockwise
degrees, as PyAV's ``VideoFrame.rotation`` reads it back), so a player that applies the
metadata shows the upright frame: ``upright = np.rot90(stored, k=rotation // 90)``.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np
from numpy.typing import NDArray


def stored_from_upright(frame: NDArray[np.uint8], rotation: int) -> NDArray[np.uint8]:
    return np.ascontiguousarray(np.rot90(frame, k=-(rotation // 90) % 4))


def upright_from_stored(frame: NDArray[np.uint8], rotation: int) -> NDArray[np.uint8]:
    return np.ascontiguousarray(np.rot90(frame, k=(rotation // 90) % 4))


class Mp4Writer:
    """Encodes upright RGB frames to an H.264 MP4 with a display rotation."""

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        fps: int,
        rotation: int = 0,
        crf: int = 23,
        preset: str = "veryfast",
    ) -> None:
        if rotation % 90:
            raise ValueError(f"rotation must be a multiple of 90, got {rotation}")
        self.rotation = rotation
        swap = rotation % 180 != 0
        self.container = av.open(str(path), mode="w")
        self.stream = self.container.add_stream("libx264", rate=Fraction(fps, 1))
        self.stream.width = height if swap else width
        self.stream.height = width if swap else height
        self.stream.pix_fmt = "yuv420p"
        self.stream.options = {"crf": str(crf), "preset": preset}
        self.stream.codec_context.thread_count = 2
        if rotation:
            self.stream.set_display_rotation(rotation)

    def write(self, upright_rgb: NDArray[np.uint8]) -> None:
        stored = stored_from_upright(upright_rgb, self.rotation)
        frame = av.VideoFrame.from_ndarray(stored, format="rgb24")
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def close(self) -> None:
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
