"""Retraining from the database, registering, promoting, and serving an assessment."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from assessments.models import Assessment, ConsentPurpose
from assessments.services import consent_withdraw
from backtracker_site.api.errors import ApiError
from backtracker_site.models import JobStatus
from classifier.dataset import training_participants
from classifier.models import ModelVersion, TrainingRun
from classifier.registry import model_version_promote
from classifier.serving import NO_MODEL_MESSAGE, assessment_classify
from classifier.training import train_and_register, training_run_execute, training_run_start
from exercises.models import Programme
from tests.classifier.classifier_data import labelled_cohort

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

TINY = {"task": "backward", "masks": 6, "folds": 2, "profile": "quick", "epochs": 2,
        "streams": ["images"], "seed": 1}


def test_the_training_set_holds_only_consenting_labelled_patients() -> None:
    patients = labelled_cohort(6)
    withdrawn = patients[0]
    consent_withdraw(consent=withdrawn.consents.get(purpose=ConsentPurpose.MODEL_TRAINING))
    participants, manifest = training_participants("backward")
    ids = {p["patient"] for p in manifest["patients"]}
    assert str(withdrawn.pk) not in ids
    assert len(participants) == len(ids) == 5
    assert {len(p.masks) for p in participants} == {12}


def test_train_register_promote_and_classify(tmp_path) -> None:
    patients = labelled_cohort(12)
    version = train_and_register(TINY, report_dir=tmp_path / "report", checkpoint_dir=None)
    assert (tmp_path / "report" / "report.json").exists()
    assert (tmp_path / "report" / "roc.png").exists()
    assert default_storage.exists(version.onnx_key)
    assert len(version.manifest["patients"]) == 12
    assert 0 <= version.cv_accuracy <= 1
    assessment = Assessment.objects.create(
        patient=patients[1], status=JobStatus.QUEUED,
        forward=patients[1].recordings.get(task="forward"),
        backward=patients[1].recordings.get(task="backward"))
    assessment_classify(assessment_id=assessment.pk)
    assessment.refresh_from_db()
    assert assessment.status == JobStatus.FAILED  # nothing promoted yet
    assert assessment.error_message == NO_MODEL_MESSAGE
    model_version_promote(version=version, user=None)
    Assessment.objects.filter(pk=assessment.pk).update(status=JobStatus.QUEUED, attempts=0)
    assessment_classify(assessment_id=assessment.pk)
    assessment.refresh_from_db()
    assert assessment.status == JobStatus.DONE
    assert assessment.phenotype in ("FP", "EP")
    assert 0.5 <= assessment.probability <= 1
    assert assessment.model_version == version
    assert len(assessment.mask_scores) == 6
    assert all(score["key"].endswith(".png") for score in assessment.mask_scores)
    programme = Programme.objects.get(patient=patients[1])
    assert programme.phenotype == assessment.phenotype


def test_too_few_participants_is_a_clear_error(tmp_path) -> None:
    labelled_cohort(3)
    with pytest.raises(ApiError, match="at least 4 are needed"):
        train_and_register(TINY, report_dir=tmp_path, checkpoint_dir=None)


def test_retraining_is_single_flight_and_reports_progress(tmp_path, settings) -> None:
    settings.VAR_DIR = tmp_path
    labelled_cohort(8)
    run = training_run_start(options=TINY, user=None)
    with pytest.raises(ApiError) as busy:
        training_run_start(options=TINY, user=None)
    assert busy.value.error_code == "training_in_progress"
    training_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == JobStatus.DONE, run.error_message
    assert run.percent == 100
    assert run.slot is None  # the next run may start
    assert run.model_version is not None
    assert "macro" in run.report
    assert training_run_start(options=TINY, user=None).status == JobStatus.QUEUED


def test_train_command_writes_the_report_and_can_promote(tmp_path) -> None:
    labelled_cohort(8)
    call_command("train", "--task", "backward", "--masks", "6", "--folds", "2",
                 "--profile", "quick", "--epochs", "2", "--report", str(tmp_path / "r"),
                 "--promote")
    assert (tmp_path / "r" / "report.md").exists()
    assert ModelVersion.objects.get().is_active
    assert TrainingRun.objects.count() == 0  # the command trains in-process
