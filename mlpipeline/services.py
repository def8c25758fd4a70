"""Analysing object-stored recordings: claim, download, run the pipeline, store, finish.

Heavy libraries (mediapipe, onnxruntime, PyAV) are imported inside the functions, so the
web process never loads them.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from assessments.models import Recording
from assessments.results import assessments_advance_for_recording
from assessments.storage_keys import recording_derived_prefix
from backtracker_site.jobs import (
    TransientStorageError,
    job_claim,
    job_fail,
    job_finish,
    job_progress,
    job_release,
)
from mlpipeline.models import FeatureSet

logger = logging.getLogger(__name__)


def pipeline_config():
    """The pipeline configuration chosen by the operator in settings."""
    from mlpipeline.processing.pipeline import PipelineConfig

    return PipelineConfig(
        pose_backend=settings.PIPELINE_POSE_BACKEND,
        pose_model=getattr(settings, "PIPELINE_POSE_MODEL", None) or "full",
        segmenter=settings.PIPELINE_SEGMENTER,
        higherhrnet_path=settings.PIPELINE_HIGHERHRNET_ONNX or None,
        sam_encoder_path=settings.PIPELINE_SAM_ENCODER_ONNX or None,
        sam_decoder_path=settings.PIPELINE_SAM_DECODER_ONNX or None,
        mask_size=settings.PIPELINE_MASK_SIZE,
    )


_current_version: dict[object, tuple[float, str]] = {}


def current_pipeline_version() -> str:
    """The version the worker's pipeline gives its output now (identity.pipeline_version):
    what training reads and what a new model is served. Kept a minute per configuration
    (list pages ask once per recording; model files are re-hashed when they change)."""
    from mlpipeline.processing.identity import pipeline_version

    config = pipeline_config()
    now = time.monotonic()
    cached = _current_version.get(config)
    if cached is None or now - cached[0] > 60.0:
        cached = _current_version[config] = (now, pipeline_version(config))
    return cached[1]


def download_to(key: str, folder: Path) -> Path:
    """Copy an object to a local file with a server-chosen name ending in .mp4."""
    target = folder / "source.mp4"
    try:
        with default_storage.open(key, "rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, length=1 << 20)
    except FileNotFoundError:
        raise
    except Exception as exc:  # connection errors from botocore, NFS hiccups, ...
        raise TransientStorageError(f"could not download {key}") from exc
    return target


def upload_folder(folder: Path, prefix: str) -> None:
    """Store every file of `folder` under `prefix`, replacing what a crashed run left.

    features.json goes last: its presence means the folder is complete.
    """
    files = sorted(folder.rglob("*"), key=lambda path: (path.name == "features.json", path))
    try:
        for path in files:
            if path.is_file():
                key = prefix + path.relative_to(folder).as_posix()
                if default_storage.exists(key):
                    default_storage.delete(key)
                with open(path, "rb") as handle:
                    default_storage.save(key, File(handle))
    except Exception as exc:
        raise TransientStorageError(f"could not store results under {prefix}") from exc


def recording_analyse(*, recording_id: UUID | str) -> None:
    """Analyse one recording exactly once; a no-op unless this call claims it.

    When the analysis ends (done, or failed for good), assessments waiting for this
    recording move on: to classification, or to asking for a new recording.
    """
    if not job_claim(Recording, recording_id):
        return
    analyse_claimed(Recording.objects.get(pk=recording_id))
    assessments_advance_for_recording(recording_id)


def analyse_claimed(recording: Recording) -> None:
    from mlpipeline.processing.errors import PipelineError
    from mlpipeline.processing.output import write_outputs
    from mlpipeline.processing.pipeline import run_pipeline

    recording_id = recording.pk
    started = time.monotonic()
    last_report = {"at": 0.0, "stage": ""}

    def report(stage: str, percent: float) -> None:
        """Write a new stage at once; within a stage, at most one UPDATE a second."""
        now = time.monotonic()
        if stage != last_report["stage"] or now - last_report["at"] >= 1.0 or percent >= 100:
            last_report.update(at=now, stage=stage)
            job_progress(Recording, recording_id, stage=stage, percent=int(percent))

    with tempfile.TemporaryDirectory(prefix="backtracker-") as tmp:
        folder = Path(tmp)
        try:
            source = download_to(recording.source_key, folder)
            result = run_pipeline(source, recording.task, pipeline_config(), report)
            out = folder / "out"
            write_outputs(result, out)
            prefix = recording_derived_prefix(patient_id=recording.patient_id,
                                              recording_id=recording.id,
                                              pipeline_version=result.version)
            upload_folder(out, prefix)
        except TransientStorageError:
            job_release(Recording, recording_id)
            raise
        except FileNotFoundError:
            job_fail(Recording, recording_id, code="source_missing",
                     message="The video was not found in storage; please record it again.")
            return
        except PipelineError as exc:
            logger.info("recording %s rejected: %s (%s)", recording_id, exc.code, exc.detail)
            job_fail(Recording, recording_id, code=exc.code, message=exc.message)
            return
        except Exception:
            job_release(Recording, recording_id)  # unexpected: let the retry/reconciler try
            raise

    with transaction.atomic():
        FeatureSet.objects.update_or_create(
            recording=recording,
            pipeline_version=result.version,
            defaults={
                "prefix": prefix,
                "fps": result.fps,
                "frame_count": len(result.frames),
                "mask_count": len(result.back_masks),
                "qc_ok": result.qc.ok,
                "qc_issues": result.qc.as_dict()["issues"],
                "motion_features": result.motion_features,
            },
        )
        job_finish(Recording, recording_id)
    logger.info("recording %s analysed in %.1f s", recording_id, time.monotonic() - started)
