"""Check an uploaded video from its headers, before any frame is decoded.

Every rejection is a `VideoRejected` with a stable reason code and a plain message telling
the patient what to do. Checks run in order of cost: file size and the ISO-BMFF box layout
(a few reads), then FFmpeg's mov/mp4 demuxer restricted to that one demuxer and to local
files (RELIABILITY.md 1.5: an unrestricted probe follows HLS playlists to other files),
then the stream header limits (resolution and duration bombs, RELIABILITY.md 1.6).
"""

from __future__ import annotations

import os
import struct
import time
from dataclasses import dataclass
from pathlib import Path

import av

from mlpipeline.processing.errors import VideoRejected

ALLOWED_DEMUXERS = "mov,mp4,m4a,3gp,3g2,mj2"
# Phones record H.264 or HEVC. Other codecs (AV1, VP9, MPEG-4 part 2, ProRes) are refused:
# no phone camera app writes them by default, and each extra decoder is extra attack surface.
ALLOWED_CODECS = frozenset({"h264", "hevc"})
OPEN_OPTIONS = {"format_whitelist": ALLOWED_DEMUXERS, "protocol_whitelist": "file"}

# Top-level ISO-BMFF / QuickTime boxes that may start a file we accept.
_FIRST_BOX_TYPES = frozenset(
    {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid", b"styp"}
)
_MAX_TOP_LEVEL_BOXES = 10_000

MESSAGES = {
    "empty_file": "The upload is empty. Please record the video again and upload it once "
    "recording has finished.",
    "file_too_large": "The video file is too large. Please record only the bending movement, "
    "at 1080p or 720p.",
    "playlist_file": "This file is a streaming playlist, not a video. Please upload the video "
    "file itself, straight from your phone's camera.",
    "not_a_video": "This file is not a video we can read. Please upload the video straight from "
    "your phone's camera app (MP4 or MOV).",
    "truncated_file": "The video file is incomplete, probably because the upload was "
    "interrupted. Please upload it again.",
    "corrupt_video": "The video file is damaged and cannot be read. Please record it again.",
    "probe_timeout": "We could not read this video in time. Please record it again.",
    "no_video_stream": "This file has sound but no picture. Please record a video with your "
    "phone's camera.",
    "multiple_video_streams": "This file holds more than one video track. Please record a "
    "normal video with your phone's camera app.",
    "unsupported_codec": "This video is stored in a format we cannot read. We accept MP4 or "
    "MOV files with H.264 (AVC) or H.265 (HEVC) video, which is what phone cameras record; "
    "older formats such as MPEG-4 Part 2 (DivX/Xvid), and AV1, VP9 or ProRes, are not "
    "accepted. Please record it with your phone's standard camera app in its normal video "
    "mode, or convert it to H.264 MP4.",
    "resolution_too_large": "The video resolution is higher than we accept. Please record at "
    "1080p or 720p.",
    "resolution_too_small": "The video resolution is too low to see your posture. Please record "
    "at 720p or higher.",
    "video_too_long": "The video is too long. Please record only the bending movement; it "
    "takes less than a minute.",
    "video_too_short": "The video is too short. Please record the whole movement, from "
    "standing still to standing still again.",
    "frame_rate_out_of_range": "The video frame rate is outside what we accept. Please record "
    "in normal video mode, not slow motion or time-lapse.",
    "too_many_frames": "The video headers are inconsistent, so we cannot read it safely. "
    "Please record it again.",
    "decode_memory": "The video needs more memory to read than we allow. Please record it "
    "again with the phone's normal camera settings.",
    "decode_timeout": "Reading the video took too long. Please record it again with the "
    "phone's normal camera settings.",
}


@dataclass(frozen=True)
class ProbeLimits:
    """Limits checked from the headers; the defaults accept any normal phone recording."""

    max_file_bytes: int = 2 * 1024**3
    max_long_side: int = 3840
    max_short_side: int = 2160
    max_pixels: int = 3840 * 2160
    min_short_side: int = 240
    max_duration_s: float = 180.0
    min_duration_s: float = 1.0
    min_fps: float = 5.0
    max_fps: float = 240.0
    timeout_s: float = 2.0


@dataclass(frozen=True)
class ProbeResult:
    """What the headers say. `width`/`height` are the stored (not yet rotated) frame size."""

    path: Path
    file_bytes: int
    format_name: str
    codec: str
    width: int
    height: int
    duration_s: float
    frame_count: int
    fps: float


def reject(code: str, detail: str = "") -> VideoRejected:
    """A `VideoRejected` for `code`; `detail` goes to logs only, never to the patient."""
    return VideoRejected(code, MESSAGES[code], detail)


def probe_video(path: str | os.PathLike[str], limits: ProbeLimits | None = None) -> ProbeResult:
    """Validate `path` from its headers only; raise `VideoRejected` with a reason code."""
    limits = limits or ProbeLimits()
    path = Path(path)
    file_bytes = path.stat().st_size  # OSError here is the caller's problem, not the patient's
    if file_bytes == 0:
        raise reject("empty_file")
    if file_bytes > limits.max_file_bytes:
        raise reject("file_too_large", f"{file_bytes} bytes")
    check_box_layout(path, file_bytes)
    started = time.monotonic()
    try:
        with av.open(str(path), container_options=OPEN_OPTIONS, timeout=limits.timeout_s) as box:
            result = _read_headers(box, path, file_bytes, limits)
    except VideoRejected:
        raise
    except av.error.ExitError as exc:  # the interrupt callback fired: the timeout
        raise reject("probe_timeout", str(exc)) from exc
    except (av.error.FFmpegError, ValueError, UnicodeDecodeError) as exc:
        raise reject("corrupt_video", str(exc)) from exc
    if time.monotonic() - started > limits.timeout_s:
        raise reject("probe_timeout", f"{time.monotonic() - started:.2f} s")
    return result


def check_box_layout(path: Path, file_bytes: int) -> None:
    """Walk the top-level boxes: reject non-MP4 content and files cut short.

    Reads 16 bytes per top-level box. Recorders write `moov` (the index) last unless the
    file was made "fast start", so an interrupted upload usually lacks it or has an `mdat`
    that claims more bytes than the file holds.
    """
    with path.open("rb") as fh:
        head = fh.read(16)
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"#EXTM3U"):
            raise reject("playlist_file")
        if len(head) < 8 or head[4:8] not in _FIRST_BOX_TYPES:
            raise reject("not_a_video", f"first bytes {head[:12]!r}")
        offset, seen_moov = 0, False
        for _ in range(_MAX_TOP_LEVEL_BOXES):
            if offset >= file_bytes:
                break
            fh.seek(offset)
            header = fh.read(16)
            if len(header) < 8:
                raise reject("truncated_file", f"partial box header at {offset}")
            size, kind = struct.unpack(">I4s", header[:8])
            if size == 1:
                if len(header) < 16:
                    raise reject("truncated_file", f"partial large box header at {offset}")
                size = struct.unpack(">Q", header[8:16])[0]
            elif size == 0:  # box runs to the end of the file
                size = file_bytes - offset
            if size < 8:
                raise reject("corrupt_video", f"box {kind!r} of size {size} at {offset}")
            if offset + size > file_bytes:
                raise reject("truncated_file", f"box {kind!r} ends at {offset + size}")
            seen_moov = seen_moov or kind == b"moov"
            offset += size
    if not seen_moov:
        raise reject("truncated_file", "no moov box")


def _read_headers(
    box: av.container.InputContainer, path: Path, file_bytes: int, limits: ProbeLimits
) -> ProbeResult:
    if box.format.name != ALLOWED_DEMUXERS:
        raise reject("not_a_video", f"demuxer {box.format.name}")
    videos = list(box.streams.video)
    if not videos:
        raise reject("no_video_stream")
    if len(videos) > 1:
        raise reject("multiple_video_streams", f"{len(videos)} video streams")
    stream = videos[0]
    codec = stream.codec_context.name
    if codec not in ALLOWED_CODECS:
        raise reject("unsupported_codec", codec)
    width, height = stream.codec_context.width, stream.codec_context.height
    if width <= 0 or height <= 0:
        raise reject("corrupt_video", f"size {width}x{height}")
    long_side, short_side = max(width, height), min(width, height)
    if (
        long_side > limits.max_long_side
        or short_side > limits.max_short_side
        or width * height > limits.max_pixels
    ):
        raise reject("resolution_too_large", f"{width}x{height}")
    duration_s = _duration_seconds(box, stream)
    if duration_s is None:
        raise reject("corrupt_video", "no duration in the headers")
    if duration_s > limits.max_duration_s:
        raise reject("video_too_long", f"{duration_s:.1f} s")
    frame_count = stream.frames or len(stream.index_entries)
    fps = float(stream.average_rate) if stream.average_rate else 0.0
    if fps <= 0 and duration_s > 0:
        fps = frame_count / duration_s
    if not limits.min_fps <= fps <= limits.max_fps:
        raise reject("frame_rate_out_of_range", f"{fps:.2f} fps")
    most_frames = min(limits.max_fps * limits.max_duration_s, fps * duration_s * 1.5 + 10)
    if frame_count > most_frames:
        raise reject("too_many_frames", f"{frame_count} frames in {duration_s:.1f} s")
    if duration_s < limits.min_duration_s:
        raise reject("video_too_short", f"{duration_s:.2f} s")
    if short_side < limits.min_short_side:
        raise reject("resolution_too_small", f"{width}x{height}")
    _check_sample_index(stream, file_bytes)
    return ProbeResult(
        path=path,
        file_bytes=file_bytes,
        format_name=box.format.name,
        codec=codec,
        width=width,
        height=height,
        duration_s=duration_s,
        frame_count=frame_count,
        fps=fps,
    )


def _duration_seconds(box: av.container.InputContainer, stream: av.VideoStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None and stream.duration > 0:
        return float(stream.duration * stream.time_base)
    if box.duration is not None and box.duration > 0:
        return box.duration / av.time_base
    return None


def _check_sample_index(stream: av.VideoStream, file_bytes: int) -> None:
    """Reject a file whose sample index points past its end (a "fast start" file cut short)."""
    entries = stream.index_entries
    if not entries:
        raise reject("corrupt_video", "empty sample index")
    last = max(entry.pos + entry.size for entry in entries)
    if last > file_bytes:
        raise reject("truncated_file", f"sample data ends at {last} > {file_bytes}")
