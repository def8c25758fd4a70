"""A model reads only features of the pipeline version its training masks came from
(issue 15 item 4)."""

from __future__ import annotations

import pytest

from assessments.models import Assessment
from backtracker_site.models import JobStatus
from classifier.dataset import training_participants
from classifier.models import ModelVersion
from classifier.serving import assessment_classify, pipeline_version_refusal
from mlpipeline.models import FeatureSet
from mlpipeline.selectors import feature_set_for_display, feature_set_of_version
from mlpipeline.services import current_pipeline_version
from tests.classifier.classifier_data import labelled_cohort

pytestmark = pytest.mark.django_db

OTHER = "2-0123456789ab"  # e.g. the same pipeline with BlazePose heavy or another mask size


def active_model(pipeline_version: str) -> ModelVersion:
    return ModelVersion.objects.create(
        number=1, task="backward", onnx_key="models/v1/classifier.onnx", onnx_sha256="0" * 64,
        cv_accuracy=0.8, pipeline_version=pipeline_version, is_active=True)


def test_a_model_refuses_features_of_another_pipeline_version() -> None:
    patient = labelled_cohort(2)[0]
    backward = patient.recordings.get(task="backward")
    FeatureSet.objects.filter(recording=backward).update(pipeline_version=OTHER)
    model = active_model(current_pipeline_version())
    assessment = Assessment.objects.create(
        patient=patient, status=JobStatus.QUEUED, backward=backward,
        forward=patient.recordings.get(task="forward"))

    assessment_classify(assessment_id=assessment.pk)

    assessment.refresh_from_db()
    assert assessment.status == JobStatus.FAILED
    assert assessment.error_code == "pipeline_version_mismatch"
    assert OTHER in assessment.error_message
    assert model.pipeline_version in assessment.error_message
    assert "model v1" in assessment.error_message
    assert assessment.phenotype in ("", None)


def test_the_model_reads_the_feature_set_of_its_version_not_the_newest() -> None:
    patient = labelled_cohort(2)[0]
    backward = patient.recordings.get(task="backward")
    trained_on = backward.feature_sets.get()
    newer = FeatureSet.objects.create(recording=backward, pipeline_version=OTHER, prefix="x/",
                                      fps=30, frame_count=1, mask_count=0, qc_ok=True)
    assert backward.feature_sets.first() == newer  # what `.first()` used to pick
    model = active_model(trained_on.pipeline_version)
    assessment = Assessment.objects.create(patient=patient, status=JobStatus.QUEUED,
                                           backward=backward)
    assert pipeline_version_refusal(assessment, model) is None
    assert feature_set_of_version(backward, model.pipeline_version) == trained_on
    assert feature_set_for_display(backward) == trained_on  # the current pipeline's


def test_training_reads_only_the_current_pipeline_version_and_records_it() -> None:
    patients = labelled_cohort(4)
    stale = patients[0]
    FeatureSet.objects.filter(recording__patient=stale).update(pipeline_version=OTHER)
    participants, manifest = training_participants("backward")
    assert manifest["pipeline_version"] == current_pipeline_version()
    assert str(stale.pk) in manifest["skipped_without_data"]
    assert len(participants) == 3
    participants, manifest = training_participants("backward", pipeline_version=OTHER)
    assert [p["patient"] for p in manifest["patients"]] == [str(stale.pk)]
    assert manifest["pipeline_version"] == OTHER
