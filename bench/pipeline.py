"""Benchmark: end-to-end video analysis time against decode-only time of the same clip.

    python bench/pipeline.py [--source CLIP] [--repeat N] [--pose mediapipe|higherhrnet]

Makes (once, cached under var/bench/) a 10 s 1080p30 and a 10 s 720p30 portrait H.264 clip
by looping a real clip of a person back and forth, then for each prints the decode-only
time, the processing time, their ratio (target: at most 2) and per-stage frames per
second. Timings on these machines vary by a factor of 2-3 between processes; the ratio,
measured in one run, is the figure to compare.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlpipeline.processing.pipeline import PipelineConfig, run_pipeline  # noqa: E402
from mlpipeline.video.decode import decode_only  # noqa: E402

DEFAULT_SOURCE = (Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
                  / "pose2sim_balancing_cam03.mp4")
# (width, height, bit rate): portrait, at about the bit rates phones record with
SIZES = {"1080p30": (1080, 1920, 16_000_000), "720p30": (720, 1280, 8_000_000)}


def make_clip(
    source: Path,
    out: Path,
    width: int,
    height: int,
    bit_rate: int,
    seconds: float = 10.0,
    fps: int = 30,
) -> Path:
    """Loop `source` forwards then backwards, scaled to width x height, for `seconds`.

    Encoded at a phone-like bit rate with light sensor-like noise, because decoding cost
    grows with the bit rate and a clean low-rate encode would flatter the pipeline's ratio
    less than real uploads do.
    """
    if out.exists():
        return out
    with av.open(str(source)) as box:
        frames = [
            f.reformat(width, height, format="rgb24").to_ndarray() for f in box.decode(video=0)
        ]
    sequence = frames + frames[::-1]
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".partial.mp4")
    with av.open(str(partial), "w") as box:
        stream = box.add_stream("libx264", rate=fps, options={"preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = bit_rate
        rng = np.random.default_rng(0)
        for i in range(int(seconds * fps)):
            noise = rng.integers(-3, 4, sequence[0].shape, dtype=np.int16)
            image = np.clip(sequence[i % len(sequence)] + noise, 0, 255).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for packet in stream.encode(frame):
                box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)
    partial.rename(out)
    return out


def bench_clip(name: str, path: Path, config: PipelineConfig, repeat: int) -> dict[str, float]:
    decode_s, total_s, result = [], [], None
    frames = 0
    for _ in range(repeat):  # interleaved, so both see the same machine state
        tick = time.perf_counter()
        frames = decode_only(path)
        decode_s.append(time.perf_counter() - tick)
        tick = time.perf_counter()
        result = run_pipeline(path, "forward", config)
        total_s.append(time.perf_counter() - tick)
    assert result is not None
    decode, total = min(decode_s), min(total_s)
    analysed = len(result.frames)
    t = result.timings
    print(f"{name}: {frames} frames, {analysed} analysed at {config.analysis_fps:g}/s")
    print(f"  decode only      {decode:6.2f} s   ({frames / decode:6.1f} fps)")
    print(f"  processing       {total:6.2f} s   ({frames / total:6.1f} video fps)")
    print(f"  ratio            {total / decode:6.2f} x decode-only (target <= 2)")
    print(
        f"  stages: decode thread {frames / t['decode']:6.1f} fps, "
        f"pose+masks {analysed / t['pose']:5.1f} fps, "
        f"features {analysed / max(t['features'], 1e-6):8.0f} fps, "
        f"back masks {len(result.back_masks) / max(t['masks'], 1e-6):8.0f} fps, "
        f"probe {t['probe'] * 1000:4.0f} ms"
    )
    print(
        f"  person found in {np.mean([f.person for f in result.frames]):.0%} of frames; "
        f"{len(result.back_masks)} back masks; qc {[i.code for i in result.qc.issues]}"
    )
    return {"decode": decode, "total": total, "ratio": total / decode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--analysis-fps", type=float, default=PipelineConfig.analysis_fps)
    parser.add_argument(
        "--jump",
        type=float,
        default=PipelineConfig.pose_redetect_jump,
        help="pose re-detection threshold (0: never re-detect)",
    )
    parser.add_argument("--only", choices=sorted(SIZES), help="benchmark one clip size")
    args = parser.parse_args()
    config = PipelineConfig(analysis_fps=args.analysis_fps, pose_redetect_jump=args.jump)
    folder = ROOT / "var" / "bench"
    for name, (width, height, bit_rate) in SIZES.items():
        if args.only and name != args.only:
            continue
        clip = make_clip(
            args.source, folder / f"{args.source.stem}_{name}.mp4", width, height, bit_rate
        )
        print(f"{clip.name}: {clip.stat().st_size * 8 / 10 / 1e6:.1f} Mbit/s")
        bench_clip(name, clip, config, args.repeat)


if __name__ == "__main__":
    main()
