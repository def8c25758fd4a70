"""The curvature stream end to end, the demonstration model that `make run` promotes, and
the promise that it classifies the demo cohort it was not trained on."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from classifier.ml.config import DEFAULT_PROFILE, profile_config, sized_for
from classifier.ml.demo_model import build_demo_model, shipped_demo_model
from classifier.ml.export import export_onnx
from classifier.ml.inference import OnnxClassifier
from classifier.ml.toy import toy_participants
from classifier.ml.train import cross_validate, train_final
from mlpipeline.processing.curvature import CURVATURE_VECTOR_NAMES
from tests.classifier.cohort_files import write_analysed_cohort


def test_the_default_profile_learns_the_curvature_stream(tmp_path: Path) -> None:
    participants = toy_participants(40, size=16, masks_per_participant=4, separation=2.0)
    cfg = sized_for(profile_config(DEFAULT_PROFILE, folds=4, progress_bar=False), participants)
    assert cfg.model.streams == ("curvature",)
    result = cross_validate(participants, cfg)
    assert result.accuracy >= 0.8
    model = train_final(participants, cfg, epochs=result.final_epochs)
    exported = export_onnx(model, tmp_path / "model.onnx", k=cfg.masks)
    served = OnnxClassifier(exported.path)
    assert served.streams == ("curvature",)
    fp = next(p for p in participants if p.label == 1)
    prediction = served.predict(curvature=fp.curvature)
    assert prediction.per_mask_scores == []
    with pytest.raises(ValueError, match="needs curvature"):
        served.predict()
    missing = served.predict(curvature=np.full(len(CURVATURE_VECTOR_NAMES), np.nan))
    assert 0 < missing.probability_fp < 1  # missing values become the training mean


def test_build_demo_model_writes_a_model_and_its_card(tmp_path: Path) -> None:
    participants = toy_participants(30, size=16, masks_per_participant=3, separation=2.0)
    cohort, cache = write_analysed_cohort(tmp_path, participants)
    built = build_demo_model(cohort, cache, "4-abc", out_dir=tmp_path / "demo")
    card = json.loads((tmp_path / "demo" / "demo-backward.json").read_text())
    assert card == built.card
    assert card["pipeline_version"] == "4-abc"
    assert card["cohort"] == {"name": "cohort", "seed": 99, "participants": 30, "skipped": [],
                              "generator_version": 3}
    assert "not for clinical use" in card["note"]
    assert card["cv"]["accuracy"] >= 0.8
    served = OnnxClassifier(built.onnx)
    assert served.metadata["demo"] is True
    right = [served.predict(curvature=p.curvature).phenotype == p.phenotype for p in participants]
    assert np.mean(right) >= 0.8


def test_the_shipped_demo_model_matches_its_card_and_this_pipeline() -> None:
    """Rebuild with `manage.py build_demo_model` when this fails after a pipeline change."""
    from mlpipeline.processing.cohort_cache import default_pipeline_version

    shipped = shipped_demo_model()
    assert shipped is not None, "classifier/demo/ holds no demo model"
    assert shipped.card["pipeline_version"] == default_pipeline_version()
    assert shipped.card["cohort"]["seed"] != 7  # never the demo cohort itself
    assert shipped.onnx.stat().st_size < 25_000_000
    assert OnnxClassifier(shipped.onnx).streams == tuple(shipped.card["train_config"]["model"]
                                                         ["streams"])


@pytest.mark.slow
def test_the_shipped_demo_model_classifies_the_demo_cohort(tmp_path: Path) -> None:
    """The Makefile's demo cohort (seed 7, 8 participants, --small), rendered and analysed
    here: the shipped model, trained on another cohort, gets at least 75% of them right."""
    from classifier.ml.cohort import cohort_participants
    from mlpipeline.processing.cohort_cache import analyse_cohort
    from mlpipeline.synthetic.cohort import generate_cohort

    shipped = shipped_demo_model()
    assert shipped is not None
    cohort = generate_cohort(tmp_path / "demo-cohort", 8, 7, progress=False, size_scale=0.5,
                             duration_scale=0.6, fps=24, silhouettes=False)
    analyse_cohort(cohort, tmp_path / "cache", ["backward"])
    participants, skipped = cohort_participants(cohort, tmp_path / "cache", "backward",
                                                qc_failures=True)
    assert len(participants) == 8, skipped
    served = OnnxClassifier(shipped.onnx)
    right = [served.predict(curvature=p.curvature).phenotype == p.phenotype for p in participants]
    assert sum(right) >= 6, right


@pytest.mark.django_db
def test_the_demo_registers_and_promotes_the_shipped_model(tmp_path: Path, monkeypatch) -> None:
    from backtracker_site import demo
    from classifier.ml import demo_model
    from classifier.models import ModelVersion
    from mlpipeline.services import current_pipeline_version

    participants = toy_participants(20, size=16, masks_per_participant=3, separation=2.0)
    cohort, cache = write_analysed_cohort(tmp_path, participants)
    built = build_demo_model(cohort, cache, "another-pipeline", out_dir=tmp_path / "demo")
    monkeypatch.setattr(demo_model, "DEMO_MODEL", built.onnx)
    monkeypatch.setattr(demo_model, "DEMO_CARD", tmp_path / "demo" / "demo-backward.json")
    assert demo.promote_shipped_demo_model() is False  # built by another pipeline version
    assert not ModelVersion.objects.exists()

    build_demo_model(cohort, cache, current_pipeline_version(), out_dir=tmp_path / "demo")
    assert demo.promote_shipped_demo_model() is True
    version = ModelVersion.objects.get(is_active=True)
    assert version.pipeline_version == current_pipeline_version()
    assert "not for clinical use" in version.manifest["note"]
    assert version.config["model"]["streams"] == ["curvature"]


@pytest.mark.django_db
@pytest.mark.slow
def test_assess_classifies_a_real_clip_with_a_curvature_model(tmp_path: Path, monkeypatch,
                                                               capsys) -> None:
    """`manage.py assess` feeds the curvature of the clip to a curvature model and prints
    the lumbar share of each bend beside the result."""
    from django.core.management import call_command

    from backtracker_site import demo
    from classifier.ml import demo_model
    from mlpipeline.services import current_pipeline_version
    from tests.videos import REAL_DIR

    participants = toy_participants(20, size=16, masks_per_participant=3, separation=2.0)
    cohort, cache = write_analysed_cohort(tmp_path, participants)
    built = build_demo_model(cohort, cache, current_pipeline_version(), out_dir=tmp_path / "d")
    monkeypatch.setattr(demo_model, "DEMO_MODEL", built.onnx)
    monkeypatch.setattr(demo_model, "DEMO_CARD", tmp_path / "d" / "demo-backward.json")
    assert demo.promote_shipped_demo_model()
    call_command("assess", "--backward", str(REAL_DIR / "pose2sim_balancing_cam03.mp4"))
    answer = json.loads(capsys.readouterr().out)
    assert answer["phenotype"] in ("FP", "EP")
    assert 0.5 <= answer["probability"] <= 1
    assert set(answer["lumbar_share"]) == {"backward"}
