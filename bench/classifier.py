"""Classifier speed: inference latency for K masks and training throughput.

    python bench/classifier.py [--k 80] [--size 128] [--threads 2] [--masks-dir DIR ...]

Prints the median latency of one participant (K masks) with torch fp32, onnxruntime fp32
and onnxruntime static int8 (QDQ, calibrated on masks), the int8 model's decision agreement
with fp32, and training throughput in masks per second. The model is first trained briefly
on masks (toy trunk masks, or analyse_video folders given with --masks-dir) so that its
decisions are not all alike, which would make the agreement figure meaningless.
Timings vary by a factor of 2-3 between runs on shared machines: compare within one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402

from classifier.ml.batches import iterate_batches  # noqa: E402
from classifier.ml.config import TrainConfig  # noqa: E402
from classifier.ml.data import Participant, ParticipantDataset  # noqa: E402
from classifier.ml.export import export_onnx, quantize_int8  # noqa: E402
from classifier.ml.model import ModelConfig, build_model  # noqa: E402
from classifier.ml.preprocess import (  # noqa: E402
    choose_masks,
    load_participant_masks,
    prepare_masks,
    to_network_input,
)
from classifier.ml.toy import toy_participants  # noqa: E402
from classifier.ml.train import train_final, train_one_epoch  # noqa: E402


def participant_input(p: Participant, k: int, size: int) -> np.ndarray:
    used = choose_masks(p.thetas, len(p.masks), k)
    return to_network_input(prepare_masks([p.masks[i] for i in used], size))[None]  # (1,K,1,S,S)


def median_ms(run, repeats: int) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeats):
        tick = time.perf_counter()
        run()
        times.append(time.perf_counter() - tick)
    return 1000 * statistics.median(times)


def training_rate(people: list[Participant], size: int, threads: int) -> float:
    """Masks per second through train_one_epoch (forward, backward, Adam, augmentation)."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(image_size=size))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    data = ParticipantDataset(people, k=8, image_size=size)
    data.resample(np.random.default_rng(0))
    augment = torch.Generator().manual_seed(0)
    train_one_epoch(model, iterate_batches(data, range(4), 4), optimizer, augment=augment)
    tick = time.perf_counter()
    train_one_epoch(model, iterate_batches(data, range(len(data)), 4), optimizer, augment=augment)
    return len(data) * 8 / (time.perf_counter() - tick)


def session(path: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=80)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--participants", type=int, default=40, help="toy participants")
    parser.add_argument("--train-epochs", type=int, default=1)
    parser.add_argument(
        "--masks-dir",
        type=Path,
        nargs="*",
        default=[],
        help="analyse_video folders to use as real masks (label unknown: EP)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    k, size = args.k, args.size

    people = toy_participants(args.participants, size=size, masks_per_participant=k + 20, seed=3)
    for i, folder in enumerate(args.masks_dir):
        masks, thetas = load_participant_masks(folder)
        people.append(Participant(f"real{i}", 0, masks, thetas))
    print(f"{len(people)} participants, K = {k}, {size} px, {args.threads} threads")

    for bench_size in sorted({size, 64}, reverse=True):
        rate = training_rate(people[:8], bench_size, args.threads)
        print(
            f"training throughput at {bench_size} px: {rate:.1f} masks/s "
            "(batch 4 participants x 8 masks, augmentation on)"
        )

    # Brief training, then the decision threshold centred on these participants, so that
    # about half are called FP: agreement is then measured where decisions are fragile.
    cfg = TrainConfig(
        model=ModelConfig(image_size=size),
        masks=k,
        train_masks=4,
        epochs=args.train_epochs,
        batch_size=4,
        lr=1e-3,
        progress_bar=False,
        threads=args.threads,
    )
    model = train_final(people[: len(people) // 2], cfg)
    inputs = [participant_input(p, k, size) for p in people]
    with torch.no_grad():
        logits = torch.cat([model(torch.from_numpy(x)) for x in inputs])  # (P,)
        model.mask_net.fc[-1].bias -= logits.mean()  # shifts every mask logit alike

    with tempfile.TemporaryDirectory() as tmp:
        fp32_path = Path(tmp) / "fp32.onnx"
        export = export_onnx(model, fp32_path, k=k)
        int8_path = Path(tmp) / "int8.onnx"
        calibration = [{"masks": x[:, :: max(1, k // 16)]} for x in inputs[:8]]  # 8 x 16 masks
        quantize_int8(fp32_path, int8_path, calibration)
        fp32, int8 = session(fp32_path, args.threads), session(int8_path, args.threads)
        sample = inputs[0]  # a toy participant: exactly K masks (real ones may have fewer)
        with torch.inference_mode():
            torch_ms = median_ms(lambda: model(torch.from_numpy(sample)), args.repeats)
        fp32_ms = median_ms(lambda: fp32.run(None, {"masks": sample}), args.repeats)
        int8_ms = median_ms(lambda: int8.run(None, {"masks": sample}), args.repeats)
        logits_fp32 = np.array([fp32.run(None, {"masks": x})[0][0] for x in inputs])
        logits_int8 = np.array([int8.run(None, {"masks": x})[0][0] for x in inputs])
        size_mb = fp32_path.stat().st_size / 1e6, int8_path.stat().st_size / 1e6
    agree = float(np.mean((logits_fp32 > 0) == (logits_int8 > 0)))
    fp_share = float(np.mean(logits_fp32 > 0))
    print(f"export parity (onnxruntime vs torch): {export.max_abs_diff:.1e}")
    print(f"latency, one participant (K = {k}), median of {args.repeats}:")
    print(f"  torch fp32             {torch_ms:8.1f} ms")
    print(f"  onnxruntime fp32       {fp32_ms:8.1f} ms   ({size_mb[0]:.1f} MB)")
    print(f"  onnxruntime int8 (QDQ) {int8_ms:8.1f} ms   ({size_mb[1]:.1f} MB)")
    print(
        f"  int8 speed-up over fp32: {fp32_ms / int8_ms:.2f}x; torch / onnxruntime fp32: "
        f"{torch_ms / fp32_ms:.2f}x"
    )
    diff = np.abs(logits_fp32 - logits_int8)
    print(
        f"int8 decision agreement with fp32: {100 * agree:.1f}% of {len(inputs)} participants "
        f"(fp32 calls {100 * fp_share:.0f}% FP); |logit diff| mean {diff.mean():.3f}, "
        f"max {diff.max():.3f}; fp32 logit SD across participants {logits_fp32.std():.3f}"
    )


if __name__ == "__main__":
    main()
