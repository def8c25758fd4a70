"""Retraining: one run at a time, cross-validation report, final model, registration."""

from __future__ import annotations

import json
import logging
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from assessments.models import User
from backtracker_site.api.errors import ApiError
from backtracker_site.jobs import enqueue_on_commit, job_claim, job_fail, job_finish, job_progress
from classifier.dataset import TASKS, training_participants
from classifier.models import ModelVersion, TrainingRun
from classifier.registry import model_version_promote, model_version_register

logger = logging.getLogger(__name__)


def code_version() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=settings.BASE_DIR, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def train_config_from(options: dict[str, Any]):
    """A TrainConfig from a profile and the admin's or command line's choices."""
    from classifier.ml.config import DEFAULT_PROFILE, profile_config
    from classifier.ml.model import ModelConfig

    task = options.get("task", "backward")
    if task not in TASKS:
        raise ApiError(code="bad_task", message=f"task must be one of {', '.join(TASKS)}")
    base = profile_config(options.get("profile", DEFAULT_PROFILE))
    streams = tuple(options.get("streams") or base.model.streams)
    overrides: dict[str, Any] = {"task": task, "masks": int(options.get("masks", 80)),
                                 "folds": int(options.get("folds", 5)),
                                 "seed": int(options.get("seed", 0)), "progress_bar": False}
    if options.get("epochs"):
        overrides["epochs"] = int(options["epochs"])
    model = ModelConfig(**{**base.model.to_dict(), "streams": streams})
    return base.replace(model=model, **overrides)


def training_run_start(*, options: dict[str, Any], user: User | None) -> TrainingRun:
    """Queue a retraining; refused while another run is queued or running."""
    train_config_from(options)  # validate now, not in the worker
    try:
        with transaction.atomic():
            run = TrainingRun.objects.create(config=options, requested_by=user, slot="training")
            enqueue_on_commit(run)
    except IntegrityError:
        raise ApiError(code="training_in_progress", status_code=409,
                       message="A training run is already queued or running; wait for it.",
                       ) from None
    return run


def store_folder(folder: Path, prefix: str) -> None:
    for path in sorted(folder.iterdir()):
        if path.is_file():
            key = prefix + path.name
            if default_storage.exists(key):
                default_storage.delete(key)
            with open(path, "rb") as handle:
                default_storage.save(key, File(handle))


def train_and_register(options: dict[str, Any], *, report_dir: Path,
                       checkpoint_dir: Path | None, progress=None) -> ModelVersion:
    """Cross-validate, write the report, train the final model, export and register it.

    Shared by the Celery task and `manage.py train`.
    """
    from classifier.ml.config import sized_for
    from classifier.ml.export import export_onnx
    from classifier.ml.report import write_report
    from classifier.ml.train import cross_validate, train_final

    report = progress or (lambda stage, percent: None)
    cfg = train_config_from(options)
    report("loading data", 1)
    participants, manifest = training_participants(cfg.task)
    cfg = sized_for(cfg, participants)  # motion/PROM widths follow the data (e.g. "both")
    if len(participants) < 2 * cfg.folds:
        raise ApiError(code="too_few_participants", status_code=409, message=(
            f"{len(participants)} labelled, consenting participants have analysed "
            f"{cfg.task} recordings; at least {2 * cfg.folds} are needed for {cfg.folds} folds. "
            f"Only analyses by the current video pipeline (version "
            f"{manifest['pipeline_version']}) count: recordings analysed by another one "
            f"must be analysed again."))

    def cv_progress(stage: str, percent: float) -> None:
        report(f"cross-validation, {stage}", 2 + 0.78 * percent)

    def final_progress(stage: str, percent: float) -> None:
        report(stage, 82 + 0.12 * percent)

    result = cross_validate(participants, cfg, progress=cv_progress,
                            checkpoint_dir=checkpoint_dir and checkpoint_dir / "cv")
    files = write_report(result, report_dir, extra={"participants": len(participants)})
    model = train_final(participants, cfg, epochs=result.final_epochs,
                        temperature=result.final_temperature, progress=final_progress,
                        checkpoint_dir=checkpoint_dir and checkpoint_dir / "final")
    report("exporting", 95)
    onnx_path = report_dir / "classifier.onnx"
    export_onnx(model, onnx_path, k=cfg.masks,
                metadata={"train_config": cfg.to_dict(), "code_version": code_version()})
    version = model_version_register(
        onnx_bytes=onnx_path.read_bytes(), task=cfg.task, config=cfg.to_dict(),
        manifest=manifest, report=json.loads(files.json.read_text()),
        cv_accuracy=result.accuracy, code_version=code_version(),
        pipeline_version=manifest["pipeline_version"])
    store_folder(report_dir, f"models/v{version.number}/report/")
    return version


def training_run_execute(*, run_id: UUID | str) -> None:
    """The Celery side of a TrainingRun; a no-op unless claimed here."""
    if not job_claim(TrainingRun, run_id):
        return
    run = TrainingRun.objects.get(pk=run_id)

    def progress(stage: str, percent: float) -> None:
        job_progress(TrainingRun, run_id, stage=stage[:64], percent=int(percent))

    checkpoints = Path(settings.VAR_DIR) / "checkpoints" / str(run.pk)
    with tempfile.TemporaryDirectory(prefix="backtracker-training-") as tmp:
        try:
            version = train_and_register(run.config, report_dir=Path(tmp),
                                         checkpoint_dir=checkpoints, progress=progress)
        except ApiError as exc:
            job_fail(TrainingRun, run_id, code=exc.error_code, message=str(exc.detail))
            return
        except Exception as exc:  # a crash must not leave the run "running" for hours
            logger.exception("training run %s failed", run_id)
            job_fail(TrainingRun, run_id, code="training_error",
                     message=f"Training stopped: {type(exc).__name__}: {exc}"[:500])
            return
    job_finish(TrainingRun, run_id, model_version=version, report=version.report,
               roc_key=f"models/v{version.number}/report/roc.png")
    if run.config.get("promote"):
        try:
            model_version_promote(version=version, user=run.requested_by,
                                  reason=f"training run {run.pk}")
        except ApiError as exc:
            logger.info("new model not promoted: %s", exc.detail)
