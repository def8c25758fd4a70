"""Serving: OnnxClassifier over an exported model (onnxruntime only; no torch import).

The InferenceSession is built once per (file path, sha256) in each process and cached, so
a worker that serves many assessments loads the model once, and a replaced file (new
sha) gets a new session.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from classifier.ml.preprocess import choose_masks, prepare_masks, to_network_input

METADATA_KEY = "backtracker"  # the ONNX metadata entry written by export.export_onnx


@dataclass(frozen=True)
class Prediction:
    phenotype: str  # "FP" or "EP"
    probability_fp: float  # sigmoid of the participant logit; > 0.5 means FP
    per_mask_scores: list[float]  # image logit of each used mask; > 0 pushes towards FP
    mask_indices: list[int]  # which of the given masks were used, in score order
    logit: float

    @property
    def probability(self) -> float:
        """Probability of the phenotype given (>= 0.5)."""
        return self.probability_fp if self.phenotype == "FP" else 1.0 - self.probability_fp

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "probability": self.probability}


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def _session(path: str, sha256: str, threads: int) -> ort.InferenceSession:
    """One session per model file version (sha256 is part of the key on purpose)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])


class OnnxClassifier:
    """FP/EP prediction for one participant from their back masks (and motion/PROMs).

    `sha256` may be given when known (e.g. stored with the model version) to skip hashing.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, sha256: str | None = None, threads: int = 0
    ) -> None:
        self.path = str(Path(path).resolve())
        self.sha256 = sha256 or file_sha256(self.path)
        self.session = _session(self.path, self.sha256, threads)
        meta = self.session.get_modelmeta().custom_metadata_map
        if METADATA_KEY not in meta:
            raise ValueError(f"{path} is not a BackTracker model (no '{METADATA_KEY}' metadata)")
        self.metadata: dict[str, Any] = json.loads(meta[METADATA_KEY])
        model_cfg = self.metadata["model_config"]
        self.streams: tuple[str, ...] = tuple(model_cfg["streams"])
        self.image_size = int(model_cfg["image_size"])
        self.k = int(self.metadata["k"])
        self.threshold = float(self.metadata.get("threshold", 0.5))
        self.input_names = [i.name for i in self.session.get_inputs()]

    def predict(
        self,
        masks: Sequence[NDArray] | NDArray = (),
        thetas: Sequence[float] | None = None,
        motion: Sequence[float] | NDArray | None = None,
        proms: Sequence[float] | NDArray | None = None,
        curvature: Sequence[float] | NDArray | None = None,
        *,
        k: int | None = None,
    ) -> Prediction:
        """One participant. masks: 2-D binary arrays; thetas select K stratified ones.

        motion / proms / curvature are raw vectors (NaN where missing), needed when the
        model uses them.
        """
        feeds: dict[str, NDArray[np.float32]] = {}
        used: list[int] = []
        if "images" in self.streams:
            if len(masks) == 0:
                raise ValueError("this model needs at least one back mask")
            used = choose_masks(thetas, len(masks), k or self.k)
            prepared = prepare_masks([masks[i] for i in used], self.image_size)  # (K, S, S)
            feeds["masks"] = to_network_input(prepared)[None]  # (1, K, 1, S, S)
        for stream, values in (("motion", motion), ("proms", proms), ("curvature", curvature)):
            if stream in self.streams:
                if values is None:
                    raise ValueError(f"this model needs {stream}")
                feeds[stream] = np.asarray(values, np.float32).reshape(1, -1)  # (1, D)
        outputs = self.session.run(None, {name: feeds[name] for name in self.input_names})
        logit = float(outputs[0][0])
        scores = outputs[1][0].astype(float).tolist() if len(outputs) > 1 else []
        probability = _sigmoid(logit)
        return Prediction(
            phenotype="FP" if probability > self.threshold else "EP",
            probability_fp=probability,
            per_mask_scores=scores,
            mask_indices=used,
            logit=logit,
        )


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)  # no overflow for very negative logits
    return z / (1.0 + z)


def clear_session_cache() -> None:
    """Drop cached sessions (tests, or a worker told to reload)."""
    _session.cache_clear()
