"""The access log: what it records for API reads, and that it cannot be rewritten."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from assessments.models import AccessEvent, ConsentPurpose
from assessments.models.audit import AppendOnlyError
from assessments.services import consent_grant
from assessments.uploads import recording_start_upload
from tests.factories import PatientFactory, PhysiotherapistFactory, bearer

pytestmark = pytest.mark.django_db


def start_recording(patient):
    if not patient.consents.exists():
        consent_grant(patient=patient, purpose=ConsentPurpose.CARE)
    recording, _ = recording_start_upload(patient=patient, task="forward",
                                          content_type="video/mp4", size_bytes=2_000_000)
    return recording


def test_a_list_page_logs_one_entry_per_patient_on_it(api_client) -> None:
    physio = PhysiotherapistFactory()
    mine = [PatientFactory(physiotherapist=physio) for _ in range(3)]
    for patient in mine:
        start_recording(patient)
        start_recording(patient)
    start_recording(PatientFactory())  # someone else's

    response = api_client.get("/api/v1/recordings", **bearer(physio))

    assert response.status_code == 200
    assert response.json()["count"] == 6
    events = AccessEvent.objects.filter(path="/api/v1/recordings")
    assert {e.patient_id for e in events} == {p.pk for p in mine}
    assert events.count() == 3
    assert {(e.actor_id, e.role, e.object_type, e.outcome, e.action) for e in events} == {
        (physio.pk, "physiotherapist", "recording", "allowed", "GET list")}


def test_an_object_read_names_the_object(api_client) -> None:
    patient = PatientFactory()
    recording = start_recording(patient)

    response = api_client.get(f"/api/v1/recordings/{recording.pk}", **bearer(patient.user))

    assert response.status_code == 200
    event = AccessEvent.objects.get()
    assert (event.patient_id, event.object_type, event.object_id, event.outcome) == (
        patient.pk, "recording", str(recording.pk), "allowed")
    assert event.ip_address == "127.0.0.1"


def test_a_refused_read_is_logged_against_the_patient_it_belongs_to(api_client) -> None:
    patient = PatientFactory()
    recording = start_recording(patient)
    intruder = PhysiotherapistFactory()

    response = api_client.get(f"/api/v1/recordings/{recording.pk}", **bearer(intruder))
    anonymous = api_client.get(f"/api/v1/recordings/{recording.pk}")

    assert (response.status_code, anonymous.status_code) == (404, 401)
    events = AccessEvent.objects.filter(outcome="denied").order_by("at")
    assert [(e.actor_id, e.role, e.patient_id) for e in events] == [
        (intruder.pk, "physiotherapist", patient.pk), (None, "anonymous", patient.pk)]


def test_a_refused_create_logs_the_patient_it_named(api_client) -> None:
    target = PatientFactory()
    intruder = PhysiotherapistFactory()

    response = api_client.post("/api/v1/programmes", {"patient": str(target.pk),
                                                      "phenotype": "FP", "probability": 0.9},
                               format="json", **bearer(intruder))

    assert response.status_code == 404
    event = AccessEvent.objects.get()
    assert (event.patient_id, event.outcome, event.action) == (target.pk, "denied",
                                                               "POST create")


def test_an_unknown_id_is_logged_without_a_patient(api_client) -> None:
    physio = PhysiotherapistFactory()
    unknown = "00000000-0000-4000-8000-000000000000"

    response = api_client.get(f"/api/v1/assessments/{unknown}", **bearer(physio))

    assert response.status_code == 404
    event = AccessEvent.objects.get()
    assert (event.patient_id, event.object_id, event.outcome) == (None, unknown, "denied")


def logged_event() -> AccessEvent:
    physio = PhysiotherapistFactory()
    return AccessEvent.objects.create(actor=physio, role="physiotherapist", action="GET list",
                                      outcome="allowed", path="/api/v1/patients")


def test_the_application_cannot_change_or_remove_entries() -> None:
    event = logged_event()
    event.action = "nothing happened"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.filter(pk=event.pk).update(outcome="denied")
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.all().delete()


@pytest.mark.parametrize("statement", [
    "UPDATE assessments_accessevent SET outcome = 'denied'",
    "DELETE FROM assessments_accessevent",
])
def test_the_database_refuses_to_rewrite_the_log(statement: str) -> None:
    logged_event()
    if connection.vendor == "sqlite" and statement.startswith("DELETE"):
        pytest.skip("SQLite keeps DELETE for Django's flush; PostgreSQL refuses it")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(statement)
    assert AccessEvent.objects.get().outcome == "allowed"


def test_deleting_a_user_keeps_their_entries() -> None:
    event = logged_event()
    actor_id = event.actor_id

    event.actor.delete()

    kept = AccessEvent.objects.get()
    assert (kept.actor_id, kept.role, kept.action) == (actor_id, "physiotherapist", "GET list")


def test_entries_carry_the_request_id(api_client) -> None:
    patient = PatientFactory()

    kept = api_client.get(f"/api/v1/patients/{patient.pk}", HTTP_X_REQUEST_ID="app-req-0001",
                          **bearer(patient.user))
    replaced = api_client.get(f"/api/v1/patients/{patient.pk}", HTTP_X_REQUEST_ID="<script>",
                              **bearer(patient.user))

    assert kept["X-Request-ID"] == "app-req-0001"
    assert len(replaced["X-Request-ID"]) == 32
    assert replaced["X-Request-ID"] != "<script>"
    assert sorted(AccessEvent.objects.values_list("request_id", flat=True)) == sorted(
        ["app-req-0001", replaced["X-Request-ID"]])


@pytest.mark.parametrize(("body", "content_type"), [
    ("patient=1", "text/plain"), ("[1, 2]", "application/json"), ("{", "application/json")])
def test_a_refusal_with_an_odd_body_is_still_logged(api_client, body, content_type) -> None:
    patient = PatientFactory()

    response = api_client.generic("POST", "/api/v1/programmes", body,
                                  content_type=content_type, **bearer(patient.user))

    assert response.status_code == 403
    assert AccessEvent.objects.get().outcome == "denied"
