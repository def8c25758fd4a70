"""BackTracker networks: a ResNet18 shared over K back masks, plus motion and PROM streams.

Each stream yields one logit per participant (> 0 leans FP, < 0 leans EP):

- images: ResNet18 (1-channel conv1, 1-logit fc) on each of the K masks with shared
  weights; the K per-mask logits are averaged. The per-mask logits are returned too, so a
  dashboard can show which masks pushed towards FP or EP.
- motion: a small fully connected net (LeakyReLU) on M motion features (M = 1 or 9).
- proms: the same on N PROM totals (N = 1 or 8).
- curvature: the same on C spinal-curvature numbers of the bend read from the back outline
  (`mlpipeline.processing.curvature.CURVATURE_VECTOR_NAMES`; with task "both", forward then
  backward).

With one stream its logit is the output; with several, one more linear layer fuses them.
All logits are divided by a fitted temperature (a buffer, 1 until calibrated).
Motion, PROM and curvature vectors are standardised inside the network with buffers fitted on the
training folds only (`set_normalisation`), so an exported ONNX model takes raw values and
missing values (NaN) become the training mean.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import torch
import torchvision
from torch import nn

STREAMS: tuple[str, ...] = ("images", "motion", "proms", "curvature")
VECTOR_STREAMS: tuple[str, ...] = ("motion", "proms", "curvature")
VECTOR_DIM_FIELDS = {"motion": "motion_dim", "proms": "prom_dim", "curvature": "curvature_dim"}


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the network (stored in checkpoints and ONNX metadata)."""

    streams: tuple[str, ...] = ("images",)
    image_size: int = 128  # S: masks are S x S
    motion_dim: int = 9  # M
    prom_dim: int = 8  # N
    curvature_dim: int = 7  # C
    hidden: int = 16  # width of the vector nets (motion, PROMs, curvature); 0 = linear
    dropout: float = 0.0  # before the ResNet's final linear layer

    def __post_init__(self) -> None:
        unknown = set(self.streams) - set(STREAMS)
        if not self.streams or unknown:
            raise ValueError(f"streams must be a non-empty subset of {STREAMS}, got {self.streams}")
        # Canonical order, so ("motion", "images") and ("images", "motion") are one config.
        object.__setattr__(self, "streams", tuple(s for s in STREAMS if s in self.streams))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["streams"] = list(self.streams)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in known}
        values["streams"] = tuple(values.get("streams", ("images",)))
        return cls(**values)


def build_mask_net(dropout: float = 0.0) -> nn.Module:
    """ResNet18 for one-channel masks with a single logit; never downloads weights."""
    net = torchvision.models.resnet18(weights=None)
    net.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
    net.fc = nn.Sequential(nn.Dropout(dropout), nn.Linear(net.fc.in_features, 1))
    return net


class VectorNet(nn.Module):
    """Standardise a feature vector (buffers), then a 2-layer FCN with LeakyReLU -> 1 logit;
    with hidden = 0 a single linear layer (a logistic regression on the standardised values,
    the sturdier choice for a few numbers and a few dozen participants)."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("std", torch.ones(dim))
        if hidden == 0:
            self.net = nn.Sequential(nn.Linear(dim, 1))
        else:
            self.net = nn.Sequential(
                nn.Linear(dim, hidden),
                nn.LeakyReLU(0.01),
                nn.Linear(hidden, hidden),
                nn.LeakyReLU(0.01),
                nn.Linear(hidden, 1),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = (x - self.mean) / self.std  # (B, D)
        z = torch.where(torch.isnan(z), torch.zeros_like(z), z)  # missing -> training mean
        return self.net(z).squeeze(-1)  # (B,)


@dataclass
class NetOutput:
    logit: torch.Tensor  # (B,) fused participant logit; sigmoid = P(FP)
    mask_logits: torch.Tensor | None  # (B, K) per-mask image logits, None without images
    stream_logits: dict[str, torch.Tensor] = field(default_factory=dict)  # each (B,)


class BackTrackerNet(nn.Module):
    """The classifier. Inputs: masks (B, K, 1, S, S) in [0, 1], motion (B, M), proms (B, N)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.mask_net = build_mask_net(cfg.dropout) if "images" in cfg.streams else None
        self.motion_net = VectorNet(cfg.motion_dim, cfg.hidden) if "motion" in cfg.streams else None
        self.prom_net = VectorNet(cfg.prom_dim, cfg.hidden) if "proms" in cfg.streams else None
        self.curvature_net = (
            VectorNet(cfg.curvature_dim, cfg.hidden) if "curvature" in cfg.streams else None
        )
        self.fusion = nn.Linear(len(cfg.streams), 1) if len(cfg.streams) > 1 else None
        # Temperature scaling: every logit is divided by T, fitted on held-out participants
        # after training (calibration.fit_temperature); 1 = as trained. Decisions never change.
        self.register_buffer("temperature", torch.ones(()))

    def set_normalisation(self, stream: str, mean: torch.Tensor, std: torch.Tensor) -> None:
        """Store the training-fold mean and SD of a vector stream (motion, PROMs, curvature)."""
        net = self.vector_nets()[stream]
        if net is None:
            raise ValueError(f"stream {stream!r} is not part of this model")
        net.mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        net.std.copy_(torch.as_tensor(std, dtype=torch.float32).clamp_min(1e-6))

    def vector_nets(self) -> dict[str, VectorNet | None]:
        return {"motion": self.motion_net, "proms": self.prom_net,
                "curvature": self.curvature_net}

    def set_temperature(self, value: float) -> None:
        if not value > 0:
            raise ValueError(f"temperature must be positive, got {value}")
        self.temperature.fill_(float(value))

    def run(
        self,
        masks: torch.Tensor | None = None,
        motion: torch.Tensor | None = None,
        proms: torch.Tensor | None = None,
        curvature: torch.Tensor | None = None,
    ) -> NetOutput:
        """Forward pass with per-stream and per-mask logits."""
        logits: dict[str, torch.Tensor] = {}
        mask_logits = None
        if self.mask_net is not None:
            if masks is None:
                raise ValueError("this model needs masks")
            batch, k = masks.shape[0], masks.shape[1]
            flat = masks.flatten(0, 1)  # (B*K, 1, S, S)
            mask_logits = self.mask_net(flat).reshape(batch, k)  # (B, K)
            logits["images"] = mask_logits.mean(dim=1)  # (B,)
        vectors = {"motion": motion, "proms": proms, "curvature": curvature}
        for stream, net in self.vector_nets().items():
            if net is not None:
                if vectors[stream] is None:
                    raise ValueError(f"this model needs the {stream} vector")
                logits[stream] = net(vectors[stream])  # (B,)
        stacked = torch.stack([logits[s] for s in self.cfg.streams], dim=1)  # (B, streams)
        # One stream: its logit as is; several: one more linear layer fuses them.
        fused = stacked[:, 0] if self.fusion is None else self.fusion(stacked).squeeze(-1)  # (B,)
        t = self.temperature
        return NetOutput(
            logit=fused / t,
            mask_logits=None if mask_logits is None else mask_logits / t,
            stream_logits={name: value / t for name, value in logits.items()},
        )

    def forward(
        self,
        masks: torch.Tensor | None = None,
        motion: torch.Tensor | None = None,
        proms: torch.Tensor | None = None,
        curvature: torch.Tensor | None = None,
    ) -> torch.Tensor:
        return self.run(masks, motion, proms, curvature).logit  # (B,)


def build_model(cfg: ModelConfig) -> BackTrackerNet:
    return BackTrackerNet(cfg)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
