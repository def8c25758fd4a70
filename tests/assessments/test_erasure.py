"""Erasure (GDPR Art. 17, RELIABILITY H7): the request, and that it leaves nothing behind."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone
from freezegun import freeze_time

from assessments import erasure as erasure_module
from assessments.erasure import erasure_execute, erasure_request, erasures_sweep_recent
from assessments.export import patient_paths
from assessments.models import (
    AccessEvent,
    ConsentPurpose,
    Erasure,
    Patient,
    PhenotypeLabel,
    User,
)
from assessments.results import assessment_create
from assessments.services import consent_grant, data_export_request, prom_submit
from assessments.storage_keys import patient_prefix
from assessments.uploads import chunk_folder, recording_start_upload, s3_key
from backtracker_site.jobs import TransientStorageError
from backtracker_site.models import JobStatus
from exercises.services import programme_approve, programme_create_for_result, session_log
from tests.exercises.factories import ExerciseFactory
from tests.factories import TEST_PASSWORD, AdminFactory, PatientFactory, bearer

pytestmark = pytest.mark.django_db


def populated_patient() -> Patient:
    """A patient with something in every kind of record and in storage."""
    patient = PatientFactory()
    consent_grant(patient=patient, purpose=ConsentPurpose.CARE)
    consent_grant(patient=patient, purpose=ConsentPurpose.MODEL_TRAINING)
    for task in ("forward", "backward"):
        recording, _ = recording_start_upload(patient=patient, task=task,
                                              content_type="video/mp4", size_bytes=2_000_000)
        default_storage.save(recording.source_key, ContentFile(b"video bytes"))
    assessment_create(patient=patient, forward_id=None, backward_id=None)
    data_export_request(patient=patient, requested_by=patient.user)
    default_storage.save(f"{patient_prefix(patient.pk)}exports/old.json", ContentFile(b"{}"))
    ExerciseFactory(slug="fp-sitting-lordosis-awareness")
    programme = programme_create_for_result(patient=patient, phenotype="FP", probability=0.9)
    programme_approve(programme=programme, by=patient.physiotherapist)
    session_log(patient=patient, programme=programme, pain_before=2, pain_after=2, difficulty=3)
    AccessAttempt.objects.create(username=patient.user.email, ip_address="127.0.0.1",
                                 failures_since_start=1, get_data="", post_data="",
                                 http_accept="", path_info="/api/v1/auth/token")
    return patient


def rows_of_patient(patient_id) -> dict[str, int]:
    return {model._meta.label: model.objects.filter(**{lookup: patient_id}).count()
            for model, lookup in patient_paths().items()}


def test_every_path_to_a_patient_cascades() -> None:
    """Deleting the patient's user removes every row of theirs: no SET_NULL orphans."""
    assert patient_paths()
    for model, lookup in patient_paths().items():
        current = model
        for step in lookup.split("__"):
            field = current._meta.get_field(step)
            assert field.remote_field.on_delete is models.CASCADE, f"{current.__name__}.{step}"
            current = field.related_model
    assert Patient._meta.get_field("user").remote_field.on_delete is models.CASCADE


def test_no_reference_can_block_deleting_patient_data() -> None:
    """PROTECT between two rows of patient data stops the cascade (RESTRICT does not)."""
    patient_data = {*patient_paths(), Patient, User}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.many_to_one and field.concrete and field.related_model in patient_data:
                assert field.remote_field.on_delete is not models.PROTECT, \
                    f"{model.__name__}.{field.name}"


def test_erasure_of_a_classified_and_reviewed_patient(reference_data) -> None:
    patient = populated_patient()
    backward, forward = patient.recordings.order_by("task")
    assessment_create(patient=patient, forward_id=forward.pk,
                      backward_id=backward.pk)
    PhenotypeLabel.objects.create(patient=patient, phenotype="FP",
                                  source=PhenotypeLabel.Source.PHYSIOTHERAPIST,
                                  labelled_by=patient.physiotherapist)

    erasure = erasure_request(patient=patient, requested_by=patient.user)
    erasure_execute(erasure_id=erasure.pk)

    assert Erasure.objects.get(pk=erasure.pk).status == JobStatus.DONE
    assert sum(rows_of_patient(patient.pk).values()) == 0


def test_an_unexpected_error_fails_the_erasure_visibly(reference_data, monkeypatch) -> None:
    patient = populated_patient()
    erasure = erasure_request(patient=patient, requested_by=patient.user)

    def broken(patient_id):
        raise RuntimeError("a bug")

    monkeypatch.setattr(erasure_module, "delete_patient_rows", broken)
    with pytest.raises(RuntimeError):
        erasure_execute(erasure_id=erasure.pk)

    failed = Erasure.objects.get(pk=erasure.pk)
    assert failed.status == JobStatus.FAILED
    assert failed.error_code == "erasure_failed"


def test_erasure_removes_rows_files_and_chunks_and_says_so(reference_data) -> None:
    patient, bystander = populated_patient(), populated_patient()
    prom_submit(patient=patient, code="vas", answers=[40])
    leftover = chunk_folder(patient.recordings.first())
    leftover.mkdir(parents=True)
    (leftover / "1.part").write_bytes(b"partial")
    AccessEvent.objects.create(actor=patient.user, role="patient", patient_id=patient.pk,
                               action="GET list", outcome="allowed", path="/api/v1/recordings")
    before = rows_of_patient(patient.pk)
    assert sum(before.values()) > 10
    user_pk, email, patient_id = patient.user.pk, patient.user.email, patient.pk

    erasure = erasure_request(patient=patient, requested_by=patient.user)
    assert not User.objects.get(pk=user_pk).is_active  # locked before the background work
    erasure_execute(erasure_id=erasure.pk)

    erasure.refresh_from_db()
    assert erasure.status == JobStatus.DONE
    assert erasure.notify_email == ""
    assert erasure.rows_removed >= sum(before.values())
    assert erasure.objects_removed == 3
    assert erasure.uploads_aborted == 1
    assert sum(rows_of_patient(patient_id).values()) == 0
    assert not User.objects.filter(pk=user_pk).exists()
    assert not AccessAttempt.objects.filter(username=email).exists()
    assert not Path(default_storage.path(patient_prefix(patient_id))).exists()
    assert not leftover.exists()
    assert [m.to for m in mail.outbox][-1] == [email]
    # The access log keeps its entries (IDs only); the bystander keeps everything.
    assert AccessEvent.objects.filter(patient_id=patient_id).exists()
    assert rows_of_patient(bystander.pk) == before | {"assessments.PromScore": 0}
    assert Path(default_storage.path(patient_prefix(bystander.pk))).exists()


def test_running_it_again_changes_nothing(reference_data) -> None:
    patient = populated_patient()
    erasure = erasure_request(patient=patient, requested_by=patient.user)
    erasure_execute(erasure_id=erasure.pk)
    finished = Erasure.objects.get(pk=erasure.pk)

    erasure_execute(erasure_id=erasure.pk)  # a duplicate delivery

    assert Erasure.objects.get(pk=erasure.pk).finished_at == finished.finished_at
    assert len(mail.outbox) == 1


def test_a_storage_outage_puts_it_back_in_the_queue(reference_data, monkeypatch) -> None:
    patient = populated_patient()
    erasure = erasure_request(patient=patient, requested_by=patient.user)
    real_purge = erasure_module.purge_stored_objects

    def unreachable(prefix):
        raise TransientStorageError("storage is down")

    monkeypatch.setattr(erasure_module, "purge_stored_objects", unreachable)
    with pytest.raises(TransientStorageError):
        erasure_execute(erasure_id=erasure.pk)
    assert Erasure.objects.get(pk=erasure.pk).status == JobStatus.QUEUED
    assert Patient.objects.filter(pk=patient.pk).exists()  # nothing half-deleted

    monkeypatch.setattr(erasure_module, "purge_stored_objects", real_purge)
    erasure_execute(erasure_id=erasure.pk)
    assert Erasure.objects.get(pk=erasure.pk).status == JobStatus.DONE
    assert not Patient.objects.filter(pk=patient.pk).exists()


def test_a_late_derivative_is_swept_while_the_erasure_is_recent(reference_data) -> None:
    patient = populated_patient()
    erasure = erasure_request(patient=patient, requested_by=patient.user)
    erasure_execute(erasure_id=erasure.pk)
    late = default_storage.save(f"{patient_prefix(patient.pk)}recordings/x/derived/masks.npz",
                                ContentFile(b"written by a job that was already running"))

    assert erasures_sweep_recent() == 1
    assert not default_storage.exists(late)

    default_storage.save(late, ContentFile(b"again"))
    with freeze_time(timezone.now() + timedelta(days=1)):
        assert erasures_sweep_recent() == 0  # old erasures are not listed for ever


def test_versions_markers_and_unfinished_uploads_go_on_s3(s3_storage, reference_data) -> None:
    client, bucket = s3_storage
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    patient, bystander = populated_patient(), populated_patient()
    source = patient.recordings.first().source_key
    default_storage.delete(source)  # leaves the old version and a delete marker
    client.put_object(Bucket=bucket, Key=s3_key(source), Body=b"second version")
    recording, _ = recording_start_upload(patient=patient, task="forward",
                                          content_type="video/mp4", size_bytes=60_000_000)
    assert recording.upload_id  # a multipart upload, left unfinished

    def stored(prefix):
        versions = client.list_object_versions(Bucket=bucket, Prefix=s3_key(prefix))
        uploads = client.list_multipart_uploads(Bucket=bucket, Prefix=s3_key(prefix))
        return (len(versions.get("Versions", [])) + len(versions.get("DeleteMarkers", [])),
                len(uploads.get("Uploads", [])))

    assert stored(patient_prefix(patient.pk)) == (5, 1)
    kept = stored(patient_prefix(bystander.pk))

    erasure = erasure_request(patient=patient, requested_by=patient.user)
    erasure_execute(erasure_id=erasure.pk)

    assert stored(patient_prefix(patient.pk)) == (0, 0)
    assert stored(patient_prefix(bystander.pk)) == kept
    erasure.refresh_from_db()
    assert (erasure.objects_removed, erasure.uploads_aborted) == (5, 1)


# --- The API -----------------------------------------------------------------------------


def test_a_patient_confirms_with_their_password_and_is_signed_out(api_client) -> None:
    patient = PatientFactory()
    headers = bearer(patient.user)

    wrong = api_client.post("/api/v1/erasures", {"password": "guess"}, format="json", **headers)
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "wrong_password"
    assert not Erasure.objects.exists()
    assert User.objects.get(pk=patient.user_id).is_active

    response = api_client.post("/api/v1/erasures", {"password": TEST_PASSWORD}, format="json",
                               **headers)

    assert response.status_code == 202
    assert response.json()["patient"] == str(patient.pk)
    assert response.json()["status"] == "queued"
    assert api_client.get("/api/v1/me", **headers).status_code == 401


def test_an_admin_erases_a_named_patient_once(api_client) -> None:
    admin, patient = AdminFactory(), PatientFactory()
    body = {"password": TEST_PASSWORD, "patient": str(patient.pk)}

    first = api_client.post("/api/v1/erasures", body, format="json", **bearer(admin))
    second = api_client.post("/api/v1/erasures", body, format="json", **bearer(admin))
    missing = api_client.post("/api/v1/erasures", {"password": TEST_PASSWORD}, format="json",
                              **bearer(admin))

    assert (first.status_code, second.status_code, missing.status_code) == (202, 202, 400)
    assert first.json()["id"] == second.json()["id"]
    listed = api_client.get("/api/v1/erasures", **bearer(admin)).json()
    assert [e["id"] for e in listed["results"]] == [first.json()["id"]]


def test_a_physiotherapist_cannot_erase(api_client) -> None:
    patient = PatientFactory()
    response = api_client.post("/api/v1/erasures",
                               {"password": TEST_PASSWORD, "patient": str(patient.pk)},
                               format="json", **bearer(patient.physiotherapist))
    assert response.status_code == 403
    assert not Erasure.objects.exists()
