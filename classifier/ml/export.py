"""ONNX export with a checker pass and an onnxruntime-vs-torch parity check.

The exported graph takes raw inputs, one per stream of the model:
`masks` (B, K, 1, S, S) float in [0, 1], `motion` (B, M), `proms` (B, N), `curvature`
(B, C); batch and K are
dynamic axes. Outputs: `logit` (B,) and, with the image stream, `mask_logits` (B, K).
The model description (config, default K, threshold) is stored in the ONNX metadata under
the key "backtracker" so a served file explains itself.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

from classifier.ml.inference import METADATA_KEY, file_sha256
from classifier.ml.metrics import THRESHOLD
from classifier.ml.model import BackTrackerNet

ONNX_FORMAT_VERSION = 1
INPUT_NAMES = {"images": "masks", "motion": "motion", "proms": "proms", "curvature": "curvature"}


class ExportParityError(RuntimeError):
    """onnxruntime and torch disagree by more than the tolerance."""


@dataclass
class ExportResult:
    path: Path
    sha256: str
    max_abs_diff: float
    metadata: dict[str, Any] = field(default_factory=dict)


class _ExportWrapper(nn.Module):
    """Positional inputs in stream order -> (logit, mask_logits) or logit."""

    def __init__(self, model: BackTrackerNet) -> None:
        super().__init__()
        self.model = model
        self.names = [INPUT_NAMES[s] for s in model.cfg.streams]

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        named = dict(zip(self.names, inputs, strict=True))
        out = self.model.run(named.get("masks"), named.get("motion"), named.get("proms"),
                             named.get("curvature"))
        if out.mask_logits is None:
            return out.logit  # (B,)
        return out.logit, out.mask_logits  # (B,), (B, K)


def example_inputs(model: BackTrackerNet, batch: int, k: int, seed: int = 0) -> list[np.ndarray]:
    """Mask-like and vector inputs in the model's input order (float32 numpy)."""
    rng = np.random.default_rng(seed)
    cfg = model.cfg
    inputs = []
    for stream in cfg.streams:
        if stream == "images":
            size = cfg.image_size
            masks = (rng.random((batch, k, 1, size, size)) > 0.5).astype(np.float32)
            inputs.append(masks)
        elif stream == "motion":
            inputs.append(rng.normal(0, 10, (batch, cfg.motion_dim)).astype(np.float32))
        elif stream == "proms":
            inputs.append(rng.normal(20, 5, (batch, cfg.prom_dim)).astype(np.float32))
        else:
            inputs.append(rng.normal(5, 5, (batch, cfg.curvature_dim)).astype(np.float32))
    return inputs


def export_onnx(
    model: BackTrackerNet,
    path: str | os.PathLike[str],
    *,
    k: int = 80,
    opset: int = 17,
    atol: float = 1e-4,
    metadata: dict[str, Any] | None = None,
) -> ExportResult:
    """Export, check, and compare onnxruntime with torch on two input shapes.

    Raises ExportParityError (and removes the file) when they differ by more than atol.
    `metadata` (JSON-serialisable: e.g. the train config, code version) is stored too.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    wrapper = _ExportWrapper(model).eval()
    names = wrapper.names
    outputs = ["logit", "mask_logits"] if "images" in model.cfg.streams else ["logit"]
    dynamic_axes: dict[str, dict[int, str]] = {name: {0: "batch"} for name in names + outputs}
    if "images" in model.cfg.streams:
        dynamic_axes["masks"] = {0: "batch", 1: "k"}
        dynamic_axes["mask_logits"] = {0: "batch", 1: "k"}
    trace_inputs = tuple(torch.from_numpy(a) for a in example_inputs(model, 2, 3, seed=1))
    with torch.no_grad(), warnings.catch_warnings():
        # dynamo=False is the measured, working path here; its deprecation notice is noise.
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            wrapper,
            trace_inputs,
            str(path),
            dynamo=False,
            opset_version=opset,
            input_names=names,
            output_names=outputs,
            dynamic_axes=dynamic_axes,
        )
    description = {
        "format_version": ONNX_FORMAT_VERSION,
        "model_config": model.cfg.to_dict(),
        "k": k,
        "threshold": THRESHOLD,
        "inputs": names,
        "outputs": outputs,
        **(metadata or {}),
    }
    proto = onnx.load(str(path))
    entry = proto.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(description)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    try:
        diff = parity(model, path, k=k)
    except ExportParityError:
        path.unlink(missing_ok=True)
        raise
    if diff > atol:
        path.unlink(missing_ok=True)
        raise ExportParityError(f"onnxruntime differs from torch by {diff:.2e} (> {atol:.0e})")
    return ExportResult(
        path=path, sha256=file_sha256(path), max_abs_diff=diff, metadata=description
    )


def parity(model: BackTrackerNet, path: str | os.PathLike[str], *, k: int = 80) -> float:
    """Largest |onnxruntime - torch| over all outputs, for (B=1, K=k) and (B=2, K=5)."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    wrapper = _ExportWrapper(model).eval()
    worst = 0.0
    for batch, kk in ((1, k), (2, 5)):
        arrays = example_inputs(model, batch, kk, seed=2)
        feeds = dict(zip(wrapper.names, arrays, strict=True))
        ort_out = session.run(None, feeds)
        with torch.inference_mode():
            torch_out = wrapper(*(torch.from_numpy(a) for a in arrays))
        torch_list = list(torch_out) if isinstance(torch_out, tuple) else [torch_out]
        for ours, theirs in zip(ort_out, torch_list, strict=True):
            if ours.shape != tuple(theirs.shape):
                raise ExportParityError(f"shape {ours.shape} != torch {tuple(theirs.shape)}")
            worst = max(worst, float(np.max(np.abs(ours - theirs.numpy()))))
    return worst


def quantize_int8(
    fp32_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    calibration: Sequence[dict[str, np.ndarray]],
) -> ExportResult:
    """Static int8 (QDQ, per-channel weights) copy of an exported model, for faster serving.

    calibration: input feeds like the ones served (e.g. {"masks": (1, K, 1, S, S)} from a
    few participants' real masks). Measured here: about 3x faster than fp32 for K = 80 at
    128 px; check decision agreement on held-out participants before serving it. The
    metadata of the fp32 model is kept, with "quantization": "int8-static-qdq" added.
    Dynamic int8 quantisation was 4-5x slower than fp32 on these CPUs: do not use it.
    """
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.feeds = iter(calibration)

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self.feeds, None)

    out_path = Path(out_path)
    prepared = out_path.with_name(out_path.name + ".prepared")
    quant_pre_process(str(fp32_path), str(prepared))
    try:
        quantize_static(
            str(prepared),
            str(out_path),
            Reader(),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
        )
    finally:
        prepared.unlink(missing_ok=True)
    source = {p.key: p.value for p in onnx.load(str(fp32_path)).metadata_props}
    description = json.loads(source.get(METADATA_KEY, "{}"))
    description["quantization"] = "int8-static-qdq"
    proto = onnx.load(str(out_path))
    del proto.metadata_props[:]
    entry = proto.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(description)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(out_path))
    return ExportResult(
        path=out_path, sha256=file_sha256(out_path), max_abs_diff=math.nan, metadata=description
    )
