"""Header checks reject every kind of bad upload with its own reason code, fast."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

from mlpipeline.processing.errors import VideoRejected
from mlpipeline.video.probe import MESSAGES, ProbeLimits, probe_video


def assert_rejected(path: Path, code: str, limits: ProbeLimits | None = None) -> None:
    started = time.monotonic()
    with pytest.raises(VideoRejected) as info:
        probe_video(path, limits)
    elapsed = time.monotonic() - started
    assert info.value.code == code, info.value.detail
    assert info.value.message == MESSAGES[code]
    assert elapsed < 2.0


def encode_blank(path: Path, width: int, height: int, n_frames: int, fps: int = 1) -> Path:
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        image = np.zeros((height, width, 3), np.uint8)
        for i in range(n_frames):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    return {
        "resolution": encode_blank(folder / "res.mp4", 8192, 8192, 1),
        "duration": encode_blank(folder / "dur.mp4", 16, 16, 4 * 3600),  # 4 h at 1 fps
    }


def test_it_accepts_a_normal_clip(small_clip: Path) -> None:
    result = probe_video(small_clip)
    assert (result.width, result.height, result.codec) == (320, 240, "h264")
    assert result.frame_count == 60
    assert result.fps == pytest.approx(30)
    assert result.duration_s == pytest.approx(2.0, abs=0.05)


def test_it_accepts_hevc_as_iphones_record_it(make_video: Callable[..., Path]) -> None:
    if "libx265" not in av.codecs_available:
        pytest.skip("this FFmpeg build has no HEVC encoder")
    frames = [np.full((240, 320, 3), i * 4, np.uint8) for i in range(40)]
    path = make_video("hevc.mp4", frames, codec="libx265")
    assert probe_video(path).codec == "hevc"


def test_it_rejects_a_resolution_bomb(bombs: dict[str, Path]) -> None:
    assert bombs["resolution"].stat().st_size < 300_000
    assert_rejected(bombs["resolution"], "resolution_too_large")


def test_it_rejects_a_duration_bomb(bombs: dict[str, Path]) -> None:
    assert bombs["duration"].stat().st_size < 300_000
    assert_rejected(bombs["duration"], "video_too_long")


@pytest.mark.parametrize("name", ["list.m3u8", "list.mp4"])
def test_it_rejects_an_hls_playlist_pointing_at_a_local_file(tmp_path: Path, name: str) -> None:
    secret = tmp_path / "secret.ts"
    secret.write_bytes(b"G" + bytes(187))
    playlist = tmp_path / name
    playlist.write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nfile://{secret}\n#EXT-X-ENDLIST\n"
    )
    assert_rejected(playlist, "playlist_file")


def test_it_rejects_a_truncated_mp4(small_clip: Path, tmp_path: Path) -> None:
    data = small_clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    assert_rejected(cut, "truncated_file")


def test_it_rejects_a_fast_start_mp4_cut_inside_its_samples(tmp_path: Path) -> None:
    frames = [np.random.default_rng(i).integers(0, 255, (240, 320, 3), np.uint8) for i in range(30)]
    path = tmp_path / "fast.mp4"
    with av.open(str(path), "w", format="mp4", options={"movflags": "faststart"}) as out:
        stream = out.add_stream("libx264", rate=30, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    data = path.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")
    cut = tmp_path / "fast_cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.7)])
    assert_rejected(cut, "truncated_file")


def test_it_rejects_zero_bytes(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert_rejected(empty, "empty_file")


def test_it_rejects_random_bytes(tmp_path: Path) -> None:
    noise = tmp_path / "noise.mp4"
    noise.write_bytes(np.random.default_rng(0).integers(0, 256, 50_000, np.uint8).tobytes())
    assert_rejected(noise, "not_a_video")


def test_it_rejects_html(tmp_path: Path) -> None:
    page = tmp_path / "page.mp4"
    page.write_text("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")
    assert_rejected(page, "not_a_video")


def test_it_rejects_html_disguised_behind_an_mp4_box(tmp_path: Path) -> None:
    polyglot = tmp_path / "poly.mp4"
    polyglot.write_bytes(b"\x00\x00\x00\x10ftypisom\x00\x00\x02\x00" + b"<html></html>" * 20)
    assert_rejected(polyglot, "truncated_file")


def test_it_rejects_audio_only(tmp_path: Path) -> None:
    path = tmp_path / "audio.mp4"
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000)
        for i in range(20):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts = 16000, i * 1024
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    assert_rejected(path, "no_video_stream")


def test_it_rejects_two_video_streams(tmp_path: Path) -> None:
    path = tmp_path / "two.mp4"
    with av.open(str(path), "w", format="mp4") as out:
        streams = []
        for _ in range(2):
            stream = out.add_stream("libx264", rate=30, options={"preset": "ultrafast"})
            stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
            streams.append(stream)
        for i in range(30):
            for stream in streams:
                frame = av.VideoFrame.from_ndarray(
                    np.full((240, 320, 3), i, np.uint8), format="rgb24"
                )
                for packet in stream.encode(frame):
                    out.mux(packet)
        for stream in streams:
            for packet in stream.encode():
                out.mux(packet)
    assert_rejected(path, "multiple_video_streams")


def test_it_rejects_an_unsupported_codec(make_video: Callable[..., Path]) -> None:
    frames = [np.zeros((240, 320, 3), np.uint8)] * 40
    path = make_video("mpeg4.mp4", frames, codec="mpeg4")
    assert_rejected(path, "unsupported_codec")


def test_it_rejects_a_tiny_resolution(tmp_path: Path) -> None:
    assert_rejected(encode_blank(tmp_path / "tiny.mp4", 64, 48, 60, fps=30), "resolution_too_small")


def test_it_rejects_a_clip_shorter_than_the_limit(small_clip: Path) -> None:
    assert_rejected(small_clip, "video_too_short", ProbeLimits(min_duration_s=3.0))


def test_it_rejects_a_frame_rate_outside_the_limits(small_clip: Path) -> None:
    assert_rejected(small_clip, "frame_rate_out_of_range", ProbeLimits(max_fps=25.0))


def test_it_rejects_a_file_above_the_size_limit(small_clip: Path) -> None:
    assert_rejected(small_clip, "file_too_large", ProbeLimits(max_file_bytes=1000))
