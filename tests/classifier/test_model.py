"""Forward passes of the BackTracker networks."""

from __future__ import annotations

import pytest
import torch

from classifier.ml.model import BackTrackerNet, ModelConfig, build_model


def inputs(cfg: ModelConfig, batch: int, k: int) -> dict[str, torch.Tensor]:
    size = cfg.image_size
    return {
        "masks": (torch.rand(batch, k, 1, size, size) > 0.5).float(),
        "motion": torch.randn(batch, cfg.motion_dim) * 10,
        "proms": torch.randn(batch, cfg.prom_dim) + 20,
    }


@pytest.mark.parametrize(
    ("streams", "motion_dim", "prom_dim"),
    [
        (("images",), 9, 8),
        (("motion",), 1, 8),
        (("proms",), 9, 1),
        (("images", "motion"), 9, 8),
        (("images", "proms"), 9, 8),
        (("images", "motion", "proms"), 1, 1),
    ],
)
def test_forward_shapes_and_no_nan(streams, motion_dim, prom_dim) -> None:
    torch.manual_seed(0)
    cfg = ModelConfig(streams=streams, image_size=32, motion_dim=motion_dim, prom_dim=prom_dim)
    model = build_model(cfg).eval()
    with torch.no_grad():
        out = model.run(**inputs(cfg, batch=3, k=5))
    assert out.logit.shape == (3,)
    assert torch.isfinite(out.logit).all()
    if "images" in streams:
        assert out.mask_logits is not None
        assert out.mask_logits.shape == (3, 5)
    else:
        assert out.mask_logits is None
    assert set(out.stream_logits) == set(streams)


def test_per_mask_scores_average_to_the_participant_logit() -> None:
    torch.manual_seed(1)
    model = build_model(ModelConfig(image_size=32)).eval()
    with torch.no_grad():
        out = model.run(**inputs(model.cfg, batch=2, k=7))
    assert torch.allclose(out.mask_logits.mean(dim=1), out.logit, atol=1e-6)


def test_temperature_divides_every_logit_and_keeps_the_decisions() -> None:
    torch.manual_seed(3)
    model = build_model(ModelConfig(image_size=32)).eval()
    x = inputs(model.cfg, batch=2, k=5)
    with torch.no_grad():
        before = model.run(**x)
        model.set_temperature(4.0)
        after = model.run(**x)
    assert torch.allclose(after.logit, before.logit / 4, atol=1e-6)
    assert torch.allclose(after.mask_logits, before.mask_logits / 4, atol=1e-6)
    assert torch.allclose(after.mask_logits.mean(dim=1), after.logit, atol=1e-6)
    assert torch.equal(after.logit > 0, before.logit > 0)
    assert "temperature" in model.state_dict()  # saved, exported and served with the weights
    with pytest.raises(ValueError, match="positive"):
        model.set_temperature(0.0)


def test_the_same_mask_net_scores_every_mask() -> None:
    """Shared weights: a mask's score does not depend on its position or its companions."""
    torch.manual_seed(2)
    model = build_model(ModelConfig(image_size=32)).eval()
    masks = inputs(model.cfg, batch=1, k=4)["masks"]
    with torch.no_grad():
        scores = model.run(masks).mask_logits[0]
        reversed_scores = model.run(masks.flip(1)).mask_logits[0]
    assert torch.allclose(scores, reversed_scores.flip(0), atol=1e-5)


def test_missing_vector_values_are_imputed_not_propagated() -> None:
    model = build_model(ModelConfig(streams=("motion",), motion_dim=3))
    model.set_normalisation("motion", torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 0.0, 2.0]))
    with torch.no_grad():
        logit = model(motion=torch.tensor([[float("nan"), 2.0, 5.0]]))
    assert torch.isfinite(logit).all()
    assert float(model.motion_net.std[1]) > 0  # a zero SD is floored


def test_config_round_trips_and_streams_are_canonical() -> None:
    cfg = ModelConfig(streams=("proms", "images"), image_size=48)
    assert cfg.streams == ("images", "proms")
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="streams"):
        ModelConfig(streams=("video",))


def test_network_is_a_resnet18_with_one_channel_and_one_logit() -> None:
    model = BackTrackerNet(ModelConfig())
    assert model.mask_net.conv1.in_channels == 1
    assert model.mask_net.fc[-1].out_features == 1
    assert model.fusion is None
