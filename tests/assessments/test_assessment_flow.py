"""From two analysed recordings to a queued classification; re-recording; physio review."""

from __future__ import annotations

import pytest

from assessments.models import Assessment, ClinicSettings, PhenotypeLabel, Recording
from assessments.results import assessment_review, assessments_advance_for_recording
from backtracker_site.models import JobStatus
from mlpipeline.models import FeatureSet
from tests.factories import PatientFactory, bearer

pytestmark = pytest.mark.django_db


def recording(patient, task: str, status: str = JobStatus.DONE, qc_issues=None) -> Recording:
    made = Recording.objects.create(patient=patient, task=task, status=status,
                                    source_key=f"k/{patient.pk}/{task}/{Recording.objects.count()}")
    if status == JobStatus.DONE:
        FeatureSet.objects.create(recording=made, pipeline_version="1", prefix="p/", fps=30,
                                  frame_count=90, mask_count=40, qc_ok=not qc_issues,
                                  qc_issues=qc_issues or [])
    return made


def start(api_client, patient, **ids):
    body = {task: str(r.pk) for task, r in ids.items()}
    return api_client.post("/api/v1/assessments", body, format="json", **bearer(patient.user))


def test_both_analysed_recordings_queue_the_classification(api_client,
                                                           django_capture_on_commit_callbacks):
    patient = PatientFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        response = start(api_client, patient, forward=recording(patient, "forward"),
                         backward=recording(patient, "backward"))
    assert response.status_code == 201
    assert response.json()["status"] == JobStatus.QUEUED
    assert response.json()["needs"] == []
    assert len(callbacks) == 1


def test_it_waits_for_analysis_then_moves_on(api_client) -> None:
    patient = PatientFactory()
    backward = recording(patient, "backward", status=JobStatus.RUNNING)
    response = start(api_client, patient, forward=recording(patient, "forward"),
                     backward=backward)
    assert response.json()["status"] == JobStatus.PENDING
    assert response.json()["needs"] == []
    Recording.objects.filter(pk=backward.pk).update(status=JobStatus.DONE)
    FeatureSet.objects.create(recording=backward, pipeline_version="1", prefix="p/", fps=30,
                              frame_count=90, mask_count=40, qc_ok=True)
    assessments_advance_for_recording(backward.pk)
    assert Assessment.objects.get().status == JobStatus.QUEUED


def test_a_failed_quality_check_says_what_to_record_again_and_keeps_the_rest(api_client):
    patient = PatientFactory()
    forward = recording(patient, "forward")
    bad = recording(patient, "backward", qc_issues=[
        {"code": "not_side_on", "message": "Film from the side."}])
    response = start(api_client, patient, forward=forward, backward=bad)
    body = response.json()
    assert body["status"] == JobStatus.PENDING
    assert body["needs"] == [{"task": "backward", "code": "not_side_on",
                              "message": "Record the backward bend again: Film from the side."}]
    new = recording(patient, "backward")
    updated = api_client.patch(f"/api/v1/assessments/{body['id']}", {"backward": str(new.pk)},
                               format="json", **bearer(patient.user))
    assert updated.status_code == 200
    assert updated.json()["status"] == JobStatus.QUEUED
    assert updated.json()["forward"] == str(forward.pk)


def test_only_own_recordings_of_the_right_task_are_accepted(api_client) -> None:
    patient, other = PatientFactory(), PatientFactory()
    foreign = start(api_client, patient, forward=recording(other, "forward"))
    assert foreign.status_code == 400
    assert foreign.json()["error"]["code"] == "unknown_recording"
    swapped = start(api_client, patient, forward=recording(patient, "backward"))
    assert swapped.json()["error"]["code"] == "wrong_task"
    assert not Assessment.objects.exists()


def classified(patient, phenotype="FP", probability=0.9, review="awaiting") -> Assessment:
    return Assessment.objects.create(patient=patient, status=JobStatus.DONE,
                                     phenotype=phenotype, probability=probability,
                                     review=review)


def test_patients_see_a_result_only_once_released(api_client) -> None:
    patient = PatientFactory()
    waiting = classified(patient)
    url = f"/api/v1/assessments/{waiting.pk}"
    assert api_client.get(url, **bearer(patient.user)).json()["result"] is None
    physio_view = api_client.get(url, **bearer(patient.physiotherapist)).json()
    assert physio_view["result"]["phenotype"] == "FP"
    assessment_review(assessment=waiting, physiotherapist=patient.physiotherapist,
                      phenotype="FP")
    assert api_client.get(url, **bearer(patient.user)).json()["result"]["review"] == "confirmed"


def test_an_override_needs_a_reason_and_becomes_the_training_label(api_client) -> None:
    patient = PatientFactory()
    assessment = classified(patient)
    url = f"/api/v1/assessments/{assessment.pk}/review"
    physio = bearer(patient.physiotherapist)
    no_reason = api_client.post(url, {"phenotype": "EP"}, format="json", **physio)
    assert no_reason.status_code == 400
    assert no_reason.json()["error"]["code"] == "reason_required"
    done = api_client.post(url, {"phenotype": "EP", "reason": "lumbar hinge on extension"},
                           format="json", **physio)
    assert done.json()["result"]["review"] == "overridden"
    label = PhenotypeLabel.objects.get(patient=patient)
    assert (label.phenotype, label.labelled_by) == ("EP", patient.physiotherapist)
    patient_try = api_client.post(url, {"phenotype": "FP"}, format="json",
                                  **bearer(patient.user))
    assert patient_try.status_code == 403


@pytest.mark.parametrize(("needs_review", "probability", "review"), [
    (True, 0.95, "awaiting"),
    (False, 0.95, "not_required"),
    (False, 0.6, "awaiting"),  # below the confidence threshold: always reviewed
])
def test_clinic_settings_decide_the_release(needs_review, probability, review) -> None:
    from assessments.results import review_after_classification

    ClinicSettings.objects.create(results_need_review=needs_review, confidence_threshold=0.7)
    assert review_after_classification(probability) == review
