"""Fixtures for the video pipeline tests: tiny videos written with PyAV inside the tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pytest

from tests.videos import REAL_DIR, write_video

ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artefacts"


def real_clip(name: str) -> Path:
    path = REAL_DIR / name
    if not path.exists():
        pytest.skip(f"real clip {path} not available")
    return path


@pytest.fixture
def make_video(tmp_path: Path) -> Callable[..., Path]:
    """Factory: `make_video(name, frames, fps=..., rotation=...)` -> path under tmp_path."""

    def _make(name: str, frames: Iterable[np.ndarray], **kwargs: object) -> Path:
        return write_video(tmp_path / name, frames, **kwargs)  # type: ignore[arg-type]

    return _make


@pytest.fixture
def small_clip(make_video: Callable[..., Path]) -> Path:
    """A valid 2 s 320x240 clip with a moving square."""
    frames = []
    for i in range(60):
        image = np.full((240, 320, 3), 40, np.uint8)
        image[100:140, 10 + 4 * i : 50 + 4 * i] = 220
        frames.append(image)
    return make_video("small.mp4", frames)


@pytest.fixture(scope="session")
def real_clips() -> Callable[[str], Path]:
    """`real_clips(name)`: path of a real clip, or skip the test when it is absent."""
    return real_clip


@pytest.fixture(scope="session")
def artefacts_dir() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS


HRNET_INPUT = 256  # the fake HigherHRNet's fixed input size


def person_joints(x0: float, y0: float, height: float) -> np.ndarray:
    """17 COCO joints (x, y) of an upright figure whose feet are at (x0, y0)."""
    rel = np.array(
        [
            (0.00, 0.95),
            (0.02, 0.97),
            (-0.02, 0.97),
            (0.04, 0.96),
            (-0.04, 0.96),
            (0.10, 0.82),
            (-0.10, 0.82),
            (0.14, 0.65),
            (-0.14, 0.65),
            (0.15, 0.50),
            (-0.15, 0.50),
            (0.07, 0.50),
            (-0.07, 0.50),
            (0.07, 0.27),
            (-0.07, 0.27),
            (0.07, 0.02),
            (-0.07, 0.02),
        ]
    )
    return np.stack([x0 + rel[:, 0] * height, y0 - rel[:, 1] * height], axis=1)


def render_maps(people: list[tuple[np.ndarray, float]], stride: int, with_tags: bool) -> np.ndarray:
    """Gaussian heatmaps (and constant tag maps) at input/stride resolution."""
    size = HRNET_INPUT // stride
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    heat = np.zeros((17, size, size), np.float32)
    tags = np.zeros((17, size, size), np.float32)
    for joints, tag in people:
        for j, (x, y) in enumerate(joints):
            cx, cy = (x + 0.5) / stride - 0.5, (y + 0.5) / stride - 0.5
            g = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * 1.0**2))
            heat[j] = np.maximum(heat[j], g)
            tags[j][g > 0.05] = tag
    return np.concatenate([heat, tags]) if with_tags else heat


@pytest.fixture(scope="session")
def hrnet_onnx(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, np.ndarray]]:
    """A tiny ONNX model with HigherHRNet's layout whose outputs show two known people."""
    torch = pytest.importorskip("torch")

    # In input pixels; the test image (256x192) is centred with a 32 px band above it.
    patient = person_joints(80, 32 + 180, 160)
    other = person_joints(200, 32 + 120, 70)
    people = [(patient, 0.0), (other, 3.0)]
    low = torch.from_numpy(render_maps(people, 4, with_tags=True))[None]
    high = torch.from_numpy(render_maps(people, 2, with_tags=False))[None]

    class FakeHigherHRNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("low", low)
            self.register_buffer("high", high)

        def forward(self, image):  # type: ignore[no-untyped-def]
            dependence = image.mean() * 0.0
            return self.low + dependence, self.high + dependence

    path = tmp_path_factory.mktemp("hrnet") / "higherhrnet.onnx"
    torch.onnx.export(
        FakeHigherHRNet(),
        torch.zeros(1, 3, HRNET_INPUT, HRNET_INPUT),
        str(path),
        input_names=["image"],
        output_names=["output_low", "output_high"],
        opset_version=17,
        dynamo=False,
    )
    return path, {"patient": patient - [0, 32], "other": other - [0, 32]}


SAM_HEIGHT, SAM_WIDTH = 240, 320  # frame size the fake SAM decoder is exported for


@pytest.fixture(scope="session")
def sam_onnx(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Encoder and decoder with SAM's inputs and outputs; the decoder's mask is its box prompt."""
    torch = pytest.importorskip("torch")
    nn = torch.nn
    folder = tmp_path_factory.mktemp("sam")

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.pool = nn.AdaptiveAvgPool2d(64)
            self.proj = nn.Conv2d(3, 256, 1)

        def forward(self, image):  # type: ignore[no-untyped-def]
            return self.proj(self.pool(image))

    class BoxDecoder(nn.Module):
        """Mask logits = signed distance inside the box given by labels 2 and 3."""

        def forward(
            self,
            image_embeddings,
            point_coords,
            point_labels,
            mask_input,  # type: ignore[no-untyped-def]
            has_mask_input,
            orig_im_size,
        ):
            top_left = (point_coords * (point_labels == 2).float()[..., None]).sum(1)
            bottom_right = (point_coords * (point_labels == 3).float()[..., None]).sum(1)
            grid = (torch.arange(256, dtype=torch.float32) + 0.5) * 4.0  # 1024-space centres
            x, y = grid[None, None, :], grid[None, :, None]
            inside = torch.minimum(
                torch.minimum(x - top_left[:, 0, None, None], bottom_right[:, 0, None, None] - x),
                torch.minimum(y - top_left[:, 1, None, None], bottom_right[:, 1, None, None] - y),
            )
            low = inside[:, None] + 0.0 * image_embeddings.mean() + 0.0 * mask_input.mean()
            low = low + 0.0 * has_mask_input.sum() + 0.0 * orig_im_size.sum()
            # the real decoder crops the padding and returns masks at orig_im_size;
            # this one is exported for 240x320 frames (1024 x 768 of the 1024 square)
            masks = nn.functional.interpolate(
                low[:, :, :192, :],
                size=(SAM_HEIGHT, SAM_WIDTH),
                mode="bilinear",
                align_corners=False,
            )
            return masks, torch.ones(1, 1), low

    encoder_path, decoder_path = folder / "encoder.onnx", folder / "decoder.onnx"
    torch.onnx.export(
        Encoder(),
        torch.zeros(1, 3, 1024, 1024),
        str(encoder_path),
        input_names=["image"],
        output_names=["image_embeddings"],
        opset_version=17,
        dynamo=False,
    )
    args = (
        torch.zeros(1, 256, 64, 64),
        torch.zeros(1, 5, 2),
        torch.ones(1, 5),
        torch.zeros(1, 1, 256, 256),
        torch.zeros(1),
        torch.tensor([240.0, 320.0]),
    )
    torch.onnx.export(
        BoxDecoder(),
        args,
        str(decoder_path),
        input_names=[
            "image_embeddings",
            "point_coords",
            "point_labels",
            "mask_input",
            "has_mask_input",
            "orig_im_size",
        ],
        output_names=["masks", "iou_predictions", "low_res_masks"],
        dynamic_axes={"point_coords": {1: "n"}, "point_labels": {1: "n"}},
        opset_version=17,
        dynamo=False,
    )
    return encoder_path, decoder_path
