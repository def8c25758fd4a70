"""Decoding applies the phone's rotation metadata and keeps container timestamps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from mlpipeline.processing.errors import VideoRejected
from mlpipeline.video.decode import Geometry, decode_only, iter_frames, working_size


def sensor_frames(n: int = 10) -> list[np.ndarray]:
    """Landscape 320x240 frames as a phone held upright stores them: the sky at the left.

    A phone rotated 90 degrees clockwise for portrait writes the scene's top at the stored
    frame's left edge; the player turns it back with the display matrix.
    """
    image = np.full((240, 320, 3), 30, np.uint8)
    image[:, :80] = 230  # "sky" band on the left
    return [image] * n


@pytest.mark.parametrize(
    ("rotation", "bright_side"), [(-90, "top"), (90, "bottom"), (180, "right"), (0, "left")]
)
def test_it_turns_rotated_frames_upright(
    make_video: Callable[..., Path], rotation: int, bright_side: str
) -> None:
    path = make_video(f"rot{rotation}.mp4", sensor_frames(), rotation=rotation)
    geometries: list[Geometry] = []
    frames = list(iter_frames(path, on_geometry=geometries.append))
    image = frames[0].image
    assert image is not None
    portrait = rotation in (90, -90)
    assert image.shape == ((320, 240, 3) if portrait else (240, 320, 3))
    assert geometries[0].upright_size == (image.shape[1], image.shape[0])
    gray = image.mean(axis=2)
    strips = {
        "top": gray[:40].mean(),
        "bottom": gray[-40:].mean(),
        "left": gray[:, :40].mean(),
        "right": gray[:, -40:].mean(),
    }
    assert max(strips, key=strips.get) == bright_side


def test_it_keeps_timestamps_and_only_converts_wanted_frames(small_clip: Path) -> None:
    frames = list(iter_frames(small_clip, wanted=lambda index, t: index % 3 == 0))
    assert [f.index for f in frames] == list(range(60))
    assert np.allclose([f.t for f in frames], np.arange(60) / 30, atol=1e-3)
    assert [f.image is not None for f in frames] == [i % 3 == 0 for i in range(60)]


def test_it_downscales_to_the_working_size(make_video: Callable[..., Path]) -> None:
    path = make_video("wide.mp4", [np.zeros((360, 640, 3), np.uint8)] * 3)
    image = next(iter_frames(path, max_long_side=320)).image
    assert image is not None
    assert image.shape == (180, 320, 3)
    assert working_size(1080, 1920, 640) == (360, 640)
    assert working_size(200, 100, 640) == (200, 100)


def test_it_reports_undecodable_data_as_a_rejection(small_clip: Path, tmp_path: Path) -> None:
    data = bytearray(small_clip.read_bytes())
    start = data.find(b"mdat") + 8
    garbage = np.random.default_rng(0).integers(0, 256, 4000, np.uint8).tobytes()
    data[start : start + 4000] = garbage  # the samples are noise; the headers are intact
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(bytes(data))
    with pytest.raises(VideoRejected) as info:
        list(iter_frames(broken))
    assert info.value.code == "corrupt_video"


def test_decode_only_counts_frames(small_clip: Path) -> None:
    assert decode_only(small_clip) == 60
