"""ONNX export parity and the onnxruntime classifier."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from classifier.ml.export import ExportParityError, export_onnx, parity
from classifier.ml.inference import OnnxClassifier, _session, clear_session_cache
from classifier.ml.model import ModelConfig, build_model
from classifier.ml.preprocess import choose_masks, prepare_masks, to_network_input


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.manual_seed(0)
    model = build_model(ModelConfig(image_size=32)).eval()
    path = tmp_path_factory.mktemp("onnx") / "model.onnx"
    result = export_onnx(model, path, k=6, metadata={"code_version": "test"})
    return model, result


def test_export_matches_torch_within_1e4(exported) -> None:
    model, result = exported
    assert result.max_abs_diff < 1e-4
    assert len(result.sha256) == 64
    assert result.metadata["k"] == 6
    assert result.metadata["code_version"] == "test"
    assert parity(model, result.path, k=11) < 1e-4  # dynamic K


def test_onnx_classifier_predicts_what_torch_predicts(exported, toy) -> None:
    model, result = exported
    participant = toy[0]
    classifier = OnnxClassifier(result.path)
    prediction = classifier.predict(participant.masks, participant.thetas)
    used = choose_masks(participant.thetas, len(participant.masks), 6)
    assert prediction.mask_indices == used
    assert len(prediction.per_mask_scores) == 6
    masks = torch.from_numpy(
        to_network_input(prepare_masks([participant.masks[i] for i in used], 32))
    )[None]  # (1, 6, 1, 32, 32)
    with torch.no_grad():
        out = model.run(masks)
    assert prediction.probability_fp == pytest.approx(float(torch.sigmoid(out.logit)), abs=1e-5)
    assert np.allclose(prediction.per_mask_scores, out.mask_logits[0].numpy(), atol=1e-4)
    assert prediction.phenotype == ("FP" if prediction.probability_fp > 0.5 else "EP")
    assert np.mean(prediction.per_mask_scores) == pytest.approx(prediction.logit, abs=1e-5)
    assert 0.5 <= prediction.to_dict()["probability"] <= 1.0


def test_the_session_is_built_once_per_model_file(exported) -> None:
    _, result = exported
    clear_session_cache()
    first = OnnxClassifier(result.path)
    second = OnnxClassifier(result.path, sha256=result.sha256)
    assert first.session is second.session
    assert _session.cache_info().hits >= 1


def test_fused_model_exports_and_serves_raw_vectors(tmp_path, toy) -> None:
    torch.manual_seed(1)
    model = build_model(ModelConfig(streams=("images", "motion", "proms"), image_size=16))
    model.set_normalisation("motion", torch.full((9,), 2.0), torch.full((9,), 10.0))
    model.set_normalisation("proms", torch.full((8,), 20.0), torch.full((8,), 5.0))
    result = export_onnx(model.eval(), tmp_path / "fused.onnx", k=4)
    assert result.max_abs_diff < 1e-4
    p = toy[1]
    motion = p.motion.copy()
    motion[3] = np.nan  # missing feature -> imputed by the network
    prediction = OnnxClassifier(result.path).predict(
        p.masks, p.thetas, motion=motion, proms=p.proms
    )
    assert np.isfinite(prediction.probability_fp)
    with pytest.raises(ValueError, match="needs proms"):
        OnnxClassifier(result.path).predict(p.masks, p.thetas, motion=motion)


def test_export_refuses_a_model_that_onnxruntime_does_not_reproduce(tmp_path, monkeypatch):
    import classifier.ml.export as export

    monkeypatch.setattr(export, "parity", lambda model, path, k: 3e-3)
    model = build_model(ModelConfig(image_size=16)).eval()
    with pytest.raises(ExportParityError, match="differs from torch"):
        export_onnx(model, tmp_path / "bad.onnx", k=3)
    assert not (tmp_path / "bad.onnx").exists()


def test_int8_copy_keeps_the_description_and_the_decisions(exported, toy, tmp_path) -> None:
    from classifier.ml.export import quantize_int8

    _, result = exported
    fp32 = OnnxClassifier(result.path)
    feeds = []
    for p in toy[:4]:
        used = choose_masks(p.thetas, len(p.masks), 6)
        feeds.append(
            {"masks": to_network_input(prepare_masks([p.masks[i] for i in used], 32))[None]}
        )
    int8_result = quantize_int8(result.path, tmp_path / "int8.onnx", feeds)
    assert int8_result.metadata["quantization"] == "int8-static-qdq"
    int8 = OnnxClassifier(int8_result.path)
    assert int8.k == fp32.k == 6
    for p in toy:
        a = fp32.predict(p.masks, p.thetas)
        b = int8.predict(p.masks, p.thetas)
        assert abs(a.logit - b.logit) < 0.5
