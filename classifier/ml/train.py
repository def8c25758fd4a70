"""Training: train_one_epoch / evaluate, fit with early stopping, cross_validate, train_final.

Profiles and TrainConfig live in config.py, checkpoints in checkpoint.py, batching in
batches.py; this module is the training loop and the runs built on it.

Reproducible by construction: every random draw (initial weights, the K masks per
participant, batch order, augmentation, dropout) comes from a seed derived from
(cfg.seed, fold, epoch), so a run resumed from a checkpoint draws exactly what an
uninterrupted one would. Checkpoints are versioned dicts that rebuild their model.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F
from tqdm.auto import tqdm

from classifier.ml import metrics
from classifier.ml.batches import forward_batch, iterate_batches
from classifier.ml.calibration import fit_temperature, recalibrate_batchnorm
from classifier.ml.checkpoint import CHECKPOINT_VERSION, save_checkpoint
from classifier.ml.config import TrainConfig, check_participants
from classifier.ml.cv import grouped_folds, inner_split
from classifier.ml.data import Participant, ParticipantDataset, augment_masks, fit_standardiser
from classifier.ml.model import VECTOR_STREAMS, BackTrackerNet, build_model
from classifier.ml.results import CVResult, EvalOutput, FoldResult, summarise_folds

ProgressCallback = Callable[[str, float], None]  # (stage, percent 0..100)


def resolve_device(device: str) -> torch.device:
    """ "auto": CUDA when there is one (the paper profile's GPU worker), else the CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def derive_seed(*parts: int) -> int:
    return int(np.random.SeedSequence(list(parts)).generate_state(1)[0])


def train_one_epoch(
    model: BackTrackerNet,
    batches: Iterator[dict[str, torch.Tensor]],
    optimizer: torch.optim.Optimizer,
    *,
    augment: torch.Generator | None = None,
) -> float:
    """One pass with BCE on participant logits; returns the mean loss."""
    model.train()
    total, count = 0.0, 0
    for batch in batches:
        if augment is not None and "masks" in batch:
            batch["masks"] = augment_masks(batch["masks"], augment)  # (B, K, 1, S, S)
        logit, label = forward_batch(model, batch)  # (B,), (B,)
        loss = F.binary_cross_entropy_with_logits(logit, label)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total += float(loss.detach()) * len(logit)
        count += len(logit)
    return total / max(count, 1)


@torch.inference_mode()
def evaluate(model: BackTrackerNet, dataset: ParticipantDataset, batch_size: int = 1) -> EvalOutput:
    """P(FP) per participant on the dataset's current (stratified) mask selection.

    One participant per batch by default: their K masks are a batch already, and a
    participant with fewer than K masks is scored on all of them (as OnnxClassifier does).
    """
    model.eval()
    probabilities, logits, losses = [], [], []
    for batch in iterate_batches(dataset, range(len(dataset)), batch_size):
        logit, label = forward_batch(model, batch)  # (B,), (B,)
        loss = F.binary_cross_entropy_with_logits(logit, label, reduction="sum")
        losses.append(float(loss))
        probabilities += torch.sigmoid(logit).tolist()
        logits += logit.tolist()
    return EvalOutput(
        participant_ids=[p.participant_id for p in dataset.participants],
        labels=[p.label for p in dataset.participants],
        probabilities=probabilities,
        logits=logits,
        loss=sum(losses) / max(len(dataset), 1),
    )


@contextlib.contextmanager
def training_environment(cfg: TrainConfig) -> Iterator[None]:
    """Deterministic algorithms, the thread count and the global CPU RNG (which training
    reseeds every epoch) for the run, all restored afterwards."""
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        with torch.random.fork_rng(devices=[]):
            yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)


def new_model(cfg: TrainConfig, train: Sequence[Participant], fold: int) -> BackTrackerNet:
    """Seeded initial weights, with motion/PROM normalisation fitted on `train` only."""
    torch.manual_seed(derive_seed(cfg.seed, fold, 0))
    model = build_model(cfg.model)
    for stream in VECTOR_STREAMS:
        if stream in cfg.model.streams:
            mean, std = fit_standardiser([getattr(p, stream) for p in train])
            model.set_normalisation(stream, torch.from_numpy(mean), torch.from_numpy(std))
    return model


def fit(
    train: Sequence[Participant],
    cfg: TrainConfig,
    *,
    val: Sequence[Participant] = (),
    fold: int = 0,
    checkpoint: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    epochs: int | None = None,
) -> tuple[BackTrackerNet, int, int]:
    """Train one model; returns (model, epochs run, epochs of the kept weights).

    With `val` and cfg.patience, stops when the validation score (validation_score) has
    not improved for `patience` epochs and keeps the best weights. With `val`, the
    temperature is then fitted on it (fit_temperature). BatchNorm statistics are recomputed
    for the kept weights (recalibrate_batchnorm). `checkpoint` is written after every epoch
    and resumed from when present. progress(epoch_done, epochs_total).
    """
    epochs = epochs or cfg.epochs
    model = new_model(cfg, train, fold).to(resolve_device(cfg.device))  # init on the CPU
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    streams = cfg.model.streams
    size = cfg.model.image_size
    train_ds = ParticipantDataset(train, k=cfg.k_train, image_size=size, streams=streams)
    val_ds = None
    if val:
        # Scored as test folds and serving score participants (K stratified masks), so that
        # the stopping loss and the temperature fitted on it describe the served model.
        val_ds = ParticipantDataset(val, k=cfg.masks, image_size=size, streams=streams)
    early = bool(val_ds) and cfg.patience is not None
    state: dict[str, Any] = {
        "epoch": 0,
        "best_score": (-math.inf, -math.inf),
        "best_epoch": 0,
        "bad": 0,
        "best_weights": None,
    }
    if checkpoint is not None and checkpoint.exists():
        saved = torch.load(checkpoint, map_location="cpu", weights_only=False)
        if saved.get("version") != CHECKPOINT_VERSION or saved.get(
            "fingerprint"
        ) != _fit_fingerprint(cfg, train, val, epochs):
            raise ValueError(f"{checkpoint} belongs to a different run; use a new checkpoint_dir")
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        state = saved["state"]
    bar = tqdm(
        total=epochs,
        initial=state["epoch"],
        desc=f"fold {fold}" if fold else "final",
        disable=not cfg.progress_bar,
        leave=False,
    )
    while state["epoch"] < epochs and not (early and state["bad"] >= cfg.patience):
        epoch = state["epoch"]
        rng = np.random.default_rng(derive_seed(cfg.seed, fold, epoch + 1, 1))
        torch.manual_seed(derive_seed(cfg.seed, fold, epoch + 1, 2))  # dropout
        augment = torch.Generator().manual_seed(derive_seed(cfg.seed, fold, epoch + 1, 3))
        train_ds.resample(rng)
        order = rng.permutation(len(train_ds))
        loss = train_one_epoch(
            model,
            iterate_batches(train_ds, order, cfg.batch_size),
            optimizer,
            augment=augment if cfg.augment else None,
        )
        state["epoch"] = epoch + 1
        if early:
            _recalibrate(model, train_ds, cfg, fold, state["epoch"])
            score = validation_score(evaluate(model, val_ds))
            if score > state["best_score"]:
                state.update(
                    best_score=score, best_epoch=epoch + 1, bad=0, best_weights=_copy_state(model)
                )
            else:
                state["bad"] += 1
            bar.set_postfix(loss=f"{loss:.3f}", val_auc=f"{score[0]:.2f}", val=f"{-score[1]:.3f}")
        else:
            state["best_epoch"] = epoch + 1
            bar.set_postfix(loss=f"{loss:.3f}")
        bar.update(1)
        if checkpoint is not None:
            save_checkpoint(
                checkpoint,
                model,
                cfg,
                fold=fold,
                epoch=epoch + 1,
                optimizer=optimizer,
                state=state,
                fingerprint=_fit_fingerprint(cfg, train, val, epochs),
            )
        if progress is not None:
            progress(state["epoch"], epochs)
    bar.close()
    if early and state["best_weights"] is not None:
        model.load_state_dict(state["best_weights"])  # recalibrated in their epoch
    else:
        _recalibrate(model, train_ds, cfg, fold, state["epoch"])
    model.cpu().eval()  # export and serving run on the CPU
    if val:
        out = evaluate(model, val_ds)
        model.set_temperature(fit_temperature(out.logits, out.labels))
    return model, state["epoch"], state["best_epoch"]


def validation_score(out: EvalOutput) -> tuple[float, float]:
    """(AUC, -loss) on the inner validation participants; higher is better, compared in order.

    AUC first: with about ten validation participants the loss mostly measures confidence,
    and an early model that says about 0.5 for everyone can have the lowest loss while
    ranking no one (a fold then stops after its first epoch). The loss breaks ties, which
    are common on so few participants.
    """
    auc = metrics.binary_metrics(out.labels, out.probabilities)["auc"]
    return (auc if math.isfinite(auc) else 0.5, round(-out.loss, 6))


def cross_validate(
    participants: Sequence[Participant],
    cfg: TrainConfig,
    *,
    progress: ProgressCallback | None = None,
    checkpoint_dir: str | os.PathLike[str] | None = None,
) -> CVResult:
    """Grouped, stratified cfg.folds-fold CV; each test fold scored with K stratified masks.

    With checkpoint_dir, each fold's epochs are checkpointed and finished folds stored, so
    calling again with the same arguments resumes where an interrupted run stopped.
    """
    participants = list(participants)
    check_participants(participants, cfg)
    groups = [str(p.group) for p in participants]
    labels = [p.label for p in participants]
    folds = grouped_folds(groups, labels, cfg.folds, seed=cfg.seed)
    directory = Path(checkpoint_dir) if checkpoint_dir is not None else None
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "train_config.json").write_text(json.dumps(cfg.to_dict(), indent=2))
    results: list[FoldResult] = []
    with training_environment(cfg):
        for number, (train_idx, test_idx) in enumerate(folds, start=1):
            done = directory / f"fold{number}_result.json" if directory else None
            if done is not None and done.exists():
                results.append(FoldResult(**json.loads(done.read_text())))
                continue
            split = inner_split(
                train_idx,
                groups,
                labels,
                fraction=cfg.val_fraction,
                seed=derive_seed(cfg.seed, number),
            )
            fit_idx, val_idx = split if split and cfg.patience is not None else (train_idx, [])

            def report(epoch: int, total: int, number: int = number) -> None:
                if progress is not None:
                    share = ((number - 1) + epoch / total) / len(folds)
                    progress(f"fold {number}/{len(folds)}", 100.0 * share)

            model, epochs_run, best_epoch = fit(
                [participants[i] for i in fit_idx],
                cfg,
                val=[participants[i] for i in val_idx],
                fold=number,
                checkpoint=directory / f"fold{number}_last.pt" if directory else None,
                progress=report,
            )
            test = ParticipantDataset(
                [participants[i] for i in test_idx],
                k=cfg.masks,
                image_size=cfg.model.image_size,
                streams=cfg.model.streams,
            )
            out = evaluate(model, test)
            result = FoldResult(
                fold=number,
                participant_ids=out.participant_ids,
                labels=out.labels,
                probabilities=out.probabilities,
                metrics=metrics.binary_metrics(out.labels, out.probabilities),
                epochs_run=epochs_run,
                best_epoch=best_epoch,
                temperature=float(model.temperature),
                logits=out.logits,
            )
            if done is not None:
                done.write_text(json.dumps(dataclasses.asdict(result)))
            results.append(result)
    if progress is not None:
        progress("cross-validation done", 100.0)
    return summarise_folds(cfg, results)


def train_final(
    participants: Sequence[Participant],
    cfg: TrainConfig,
    *,
    epochs: int | None = None,
    temperature: float | None = None,
    progress: ProgressCallback | None = None,
    checkpoint_dir: str | os.PathLike[str] | None = None,
) -> BackTrackerNet:
    """The model to deploy. With `epochs` (e.g. CVResult.final_epochs) it trains on everyone
    for that long; otherwise as in CV (early stopping on an inner split when cfg.patience,
    which also fits the temperature). `temperature` (e.g. CVResult.final_temperature) is
    set on the model when given.
    """
    participants = list(participants)
    check_participants(participants, cfg)
    val: list[Participant] = []
    train = participants
    if epochs is None and cfg.patience is not None:
        groups = [str(p.group) for p in participants]
        labels = [p.label for p in participants]
        split = inner_split(
            range(len(participants)),
            groups,
            labels,
            fraction=cfg.val_fraction,
            seed=derive_seed(cfg.seed, 0),
        )
        if split is not None:
            train = [participants[i] for i in split[0]]
            val = [participants[i] for i in split[1]]
    directory = Path(checkpoint_dir) if checkpoint_dir is not None else None
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)

    def report(epoch: int, total: int) -> None:
        if progress is not None:
            progress("final model", 100.0 * epoch / total)

    with training_environment(cfg):
        model, _, _ = fit(
            train,
            cfg,
            val=val,
            fold=0,
            epochs=epochs,
            progress=report,
            checkpoint=directory / "final_last.pt" if directory else None,
        )
    if temperature is not None:
        model.set_temperature(temperature)
    if progress is not None:
        progress("final model", 100.0)
    return model


def _recalibrate(
    model: BackTrackerNet, dataset: ParticipantDataset, cfg: TrainConfig, fold: int, epoch: int
) -> None:
    """BatchNorm statistics from the training participants: k_train random masks each (as in
    training, so batches stack), in batches of cfg.batch_size, seeded by (seed, fold, epoch)."""
    if "images" not in cfg.model.streams:
        return
    rng = np.random.default_rng(derive_seed(cfg.seed, fold, epoch, 4))
    dataset.resample(rng)
    order = rng.permutation(len(dataset))
    recalibrate_batchnorm(model, iterate_batches(dataset, order, cfg.batch_size))


def _copy_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def _fit_fingerprint(
    cfg: TrainConfig, train: Sequence[Participant], val: Sequence[Participant], epochs: int
) -> str:
    ids = json.dumps([[p.participant_id for p in train], [p.participant_id for p in val], epochs])
    return hashlib.sha256((cfg.fingerprint() + ids).encode()).hexdigest()
