"""Training: a tiny quick run, reproducibility, and resuming from checkpoints."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from classifier.ml.checkpoint import load_model, save_checkpoint
from classifier.ml.config import TrainConfig, profile_config
from classifier.ml.data import ParticipantDataset, augment_masks
from classifier.ml.model import ModelConfig
from classifier.ml.results import EvalOutput
from classifier.ml.train import cross_validate, train_final, validation_score


def tiny(**changes) -> TrainConfig:
    """The quick profile shrunk to seconds: 16 px, K = 8 (4 per step), 3 epochs, 3 folds."""
    base = profile_config(
        "quick",
        model=ModelConfig(image_size=16),
        masks=8,
        train_masks=4,
        epochs=3,
        folds=3,
        batch_size=4,
        patience=2,
        val_fraction=0.34,
        progress_bar=False,
        seed=7,
    )
    return base.replace(**changes)


class Interrupted(Exception):
    pass


@pytest.fixture(scope="module")
def reference(toy):
    stages = []
    result = cross_validate(toy, tiny(), progress=lambda s, p: stages.append((s, p)))
    return result, stages


def test_quick_cross_validation_scores_every_participant_once(toy, reference) -> None:
    result, stages = reference
    tested = [pid for fold in result.folds for pid in fold.participant_ids]
    assert sorted(tested) == sorted(p.participant_id for p in toy)
    assert len(result.folds) == 3
    for name in ("accuracy", "sensitivity", "specificity", "f1", "auc"):
        assert 0.0 <= result.macro[name]["mean"] <= 1.0
    assert sum(map(sum, result.micro["confusion_matrix"]["matrix"])) == len(toy)
    assert all(0.0 <= p <= 1.0 for fold in result.folds for p in fold.probabilities)
    percents = [p for _, p in stages]
    assert percents == sorted(percents)
    assert percents[-1] == 100.0
    assert stages[0][0] == "fold 1/3"


def test_same_seed_gives_the_same_metrics(toy, reference) -> None:
    again = cross_validate(toy, tiny())
    assert [f.probabilities for f in again.folds] == [f.probabilities for f in reference[0].folds]
    assert again.macro == reference[0].macro


def test_an_interrupted_cross_validation_resumes_to_the_same_result(toy, reference, tmp_path):
    def stop_in_fold_two(stage: str, percent: float) -> None:
        if stage == "fold 2/3" and percent > 40:
            raise Interrupted

    with pytest.raises(Interrupted):
        cross_validate(toy, tiny(), checkpoint_dir=tmp_path, progress=stop_in_fold_two)
    assert (tmp_path / "fold1_result.json").exists()
    assert (tmp_path / "fold2_last.pt").exists()
    assert not (tmp_path / "fold2_result.json").exists()
    resumed = cross_validate(toy, tiny(), checkpoint_dir=tmp_path)
    assert [f.probabilities for f in resumed.folds] == [f.probabilities for f in reference[0].folds]
    saved = json.loads((tmp_path / "train_config.json").read_text())
    assert TrainConfig.from_dict(saved) == tiny()


def test_resumed_final_training_ends_with_the_same_weights(toy, tmp_path) -> None:
    cfg = tiny(patience=None, epochs=3)
    uninterrupted = train_final(toy, cfg)

    def stop_after_two(stage: str, percent: float) -> None:
        if percent > 60:
            raise Interrupted

    with pytest.raises(Interrupted):
        train_final(toy, cfg, checkpoint_dir=tmp_path, progress=stop_after_two)
    resumed = train_final(toy, cfg, checkpoint_dir=tmp_path)
    for (name, a), b in zip(
        uninterrupted.state_dict().items(), resumed.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b), name


def test_a_checkpoint_of_another_run_is_refused(toy, tmp_path) -> None:
    train_final(toy, tiny(patience=None, epochs=1), checkpoint_dir=tmp_path)
    with pytest.raises(ValueError, match="different run"):
        train_final(toy, tiny(patience=None, epochs=1, lr=5e-4), checkpoint_dir=tmp_path)


def test_checkpoints_rebuild_their_model(toy, tmp_path) -> None:
    cfg = tiny(
        model=ModelConfig(streams=("images", "motion"), image_size=16), epochs=1, patience=None
    )
    model = train_final(toy, cfg)
    save_checkpoint(tmp_path / "model.pt", model, cfg, fold=0, epoch=1)
    rebuilt, saved = load_model(tmp_path / "model.pt")
    assert saved["train_config"] == cfg.to_dict()
    batch = {"masks": torch.rand(2, 3, 1, 16, 16), "motion": torch.randn(2, 9)}
    with torch.no_grad():
        assert torch.equal(model(**batch), rebuilt(**batch))
    # the motion normalisation was fitted on the training participants and travels along
    expected = np.mean([p.motion for p in toy], axis=0)
    assert np.allclose(rebuilt.motion_net.mean.numpy(), expected, atol=1e-4)


def test_profiles() -> None:
    paper = profile_config("paper")
    settings = (paper.lr, paper.batch_size, paper.epochs, paper.model.image_size)
    assert settings == (1e-4, 32, 200, 128)
    assert paper.patience is None
    assert paper.k_train == 80
    quick = profile_config("quick", masks=40)
    assert quick.model.image_size < 128
    assert quick.patience is not None
    assert quick.masks == 40
    with pytest.raises(ValueError, match="unknown profile"):
        profile_config("slow")


def test_training_draws_random_masks_and_evaluation_is_stratified(toy) -> None:
    data = ParticipantDataset(toy[:2], k=4, image_size=16)
    fixed = [list(i) for i in data.indices]
    data.resample(None)
    assert data.indices == fixed
    data.resample(np.random.default_rng(1))
    first = [list(i) for i in data.indices]
    data.resample(np.random.default_rng(2))
    assert first != data.indices
    item = data[0]
    assert item["masks"].shape == (4, 1, 16, 16)
    assert float(item["masks"].min()) >= 0.0
    assert float(item["masks"].max()) <= 1.0


def test_augmentation_is_a_small_jitter_without_flips(toy) -> None:
    masks = torch.from_numpy(toy[0].prepared(32)[:4]).float().div(255).unsqueeze(1)  # (4,1,32,32)
    jittered = augment_masks(masks, torch.Generator().manual_seed(0))
    assert jittered.shape == masks.shape
    changed = (jittered - masks).abs().mean()
    flipped = (masks.flip(-1) - masks).abs().mean()
    assert 0 < changed < flipped / 2
    again = augment_masks(masks, torch.Generator().manual_seed(0))
    assert torch.equal(jittered, again)


def test_a_participant_with_fewer_than_k_masks_is_scored_on_all_of_them(toy) -> None:
    from classifier.ml.data import Participant
    from classifier.ml.train import evaluate

    short = Participant("short", 1, toy[0].masks[:3], toy[0].thetas[:3])
    model = train_final(toy, tiny(patience=None, epochs=1))
    data = ParticipantDataset([short, toy[1]], k=8, image_size=16)
    assert [len(i) for i in data.indices] == [3, 8]
    out = evaluate(model, data)
    assert len(out.probabilities) == 2
    training = ParticipantDataset([short], k=8, image_size=16, rng=np.random.default_rng(0))
    assert training[0]["masks"].shape == (8, 1, 16, 16)  # drawn with replacement


def test_inputs_are_checked_before_training(toy) -> None:
    from classifier.ml.config import sized_for

    with pytest.raises(ValueError, match="both phenotypes"):
        cross_validate([p for p in toy if p.label == 1], tiny())
    fused = tiny(model=ModelConfig(streams=("images", "proms"), image_size=16, prom_dim=3))
    with pytest.raises(ValueError, match="proms must have 3 values"):
        train_final(toy, fused)
    assert sized_for(fused, toy).model.prom_dim == 8


def test_a_tiny_quick_run_learns_an_easy_toy_problem() -> None:
    """3 epochs at 16 px already rank every held-out participant right on an easy toy."""
    from classifier.ml.toy import toy_participants

    easy = toy_participants(12, size=32, masks_per_participant=16, seed=0, separation=2.0)
    result = cross_validate(easy, tiny(batch_size=2, patience=None))
    assert result.macro["auc"]["mean"] >= 0.9
    assert result.macro["accuracy"]["mean"] > 0.5


def test_eval_mode_batchnorm_statistics_belong_to_the_final_weights() -> None:
    """With one optimizer step per epoch and lr 1e-3 the running BatchNorm averages lag the
    weights; eval-mode logits then shrank to a fifth of what the trained net computes and
    shifted per fold (the demo's "everything EP, p = 1"). After training they must agree."""
    from classifier.ml.batches import iterate_batches
    from classifier.ml.toy import toy_participants

    people = toy_participants(8, size=32, masks_per_participant=16, seed=0)
    cfg = tiny(model=ModelConfig(image_size=32), batch_size=8, epochs=8, patience=None, seed=1)
    model = train_final(people, cfg)
    data = ParticipantDataset(people, k=4, image_size=32, rng=np.random.default_rng(5))
    batch = next(iterate_batches(data, range(len(people)), len(people)))  # like a training step
    with torch.no_grad():
        batch_statistics = model.train()(batch["masks"])
        running_statistics = model.eval()(batch["masks"])
    scale = float(batch_statistics.abs().max())
    assert float((batch_statistics - running_statistics).abs().max()) <= 0.25 * scale
    assert ((running_statistics > 0).long().tolist()) == [p.label for p in people]


def test_temperature_softens_overconfident_logits_and_never_sharpens() -> None:
    from classifier.ml.calibration import fit_temperature

    labels = [1, 1, 1, 1, 0, 0, 0, 0]
    logits = [10.0, 10.0, 10.0, -10.0, -10.0, -10.0, -10.0, 10.0]  # 6 of 8 right, p = 1 or 0
    t = fit_temperature(logits, labels)
    assert t == pytest.approx(10 / np.log(3), rel=1e-3)  # sigmoid(10 / t) = 0.75, the hit rate
    assert fit_temperature([4.0, -3.0, 6.0, -5.0], [1, 0, 1, 0]) == pytest.approx(1.0, abs=1e-3)
    assert fit_temperature([], []) == 1.0


def test_cross_validation_calibrates_each_fold_and_the_final_model(toy, reference) -> None:
    from classifier.ml.calibration import fit_temperature

    result, _ = reference
    for fold in result.folds:
        assert 1.0 <= fold.temperature <= 100.0  # fitted on the fold's inner validation split
        assert len(fold.logits) == len(fold.labels)
        assert np.allclose(fold.probabilities, 1 / (1 + np.exp(-np.array(fold.logits))))
    raw = [z * f.temperature for f in result.folds for z in f.logits]
    labels = [y for f in result.folds for y in f.labels]
    assert result.final_temperature == pytest.approx(fit_temperature(raw, labels))
    model = train_final(toy, tiny(), epochs=1, temperature=result.final_temperature)
    assert float(model.temperature) == pytest.approx(result.final_temperature)
    uncalibrated = train_final(toy, tiny(patience=None), epochs=1)
    assert float(uncalibrated.temperature) == 1.0  # no held-out participants to fit it on


def test_early_stopping_prefers_a_model_that_ranks_over_one_that_hedges() -> None:
    """A hedging model (about 0.5 for everyone) has the lower loss but ranks no one."""
    labels = [0, 0, 1, 1]

    def scored(probabilities: list[float]) -> tuple[float, float]:
        p = np.array(probabilities)
        loss = float(-np.mean(np.where(labels, np.log(p), np.log(1 - p))))
        logits = list(np.log(p / (1 - p)))
        ids = ["a", "b", "c", "d"]
        return validation_score(EvalOutput(ids, labels, probabilities, logits, loss))

    hedging = scored([0.50, 0.51, 0.49, 0.50])
    ranking = scored([0.05, 0.60, 0.70, 0.95])
    confident_and_wrong_once = scored([0.02, 0.97, 0.03, 0.98])
    assert hedging[1] > confident_and_wrong_once[1]  # by loss alone the hedger would win
    assert ranking > hedging
    assert ranking > confident_and_wrong_once
    same_ranking_lower_loss = scored([0.05, 0.45, 0.70, 0.95])
    assert same_ranking_lower_loss > ranking  # equal AUC: the loss decides

