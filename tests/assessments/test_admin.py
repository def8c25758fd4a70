"""The Django admin: what an admin sees and what is logged (issue 18 rows 5 and 6)."""

from __future__ import annotations

import pytest
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from assessments.models import AccessEvent, PromScore
from tests.factories import (
    TEST_PASSWORD,
    AdminFactory,
    PatientFactory,
    PhysiotherapistFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory())
    return client


def test_an_outstanding_refresh_token_is_neither_shown_nor_stored(admin_client,
                                                                   api_client) -> None:
    """Row 6: the token change page showed a working refresh token."""
    user = UserFactory()
    refresh = api_client.post("/api/v1/auth/token", {"email": user.email,
                                                     "password": TEST_PASSWORD},
                              format="json").json()["refresh"]
    outstanding = OutstandingToken.objects.get(user=user)
    assert outstanding.token == ""
    page = admin_client.get(
        f"/admin/token_blacklist/outstandingtoken/{outstanding.pk}/change/")
    assert page.status_code == 200
    assert refresh.encode() not in page.content
    assert refresh.split(".")[2].encode() not in page.content
    assert outstanding.jti.encode() in page.content
    # Rotation, reuse detection and logout still work on the jti alone.
    rotated = api_client.post("/api/v1/auth/token/refresh", {"refresh": refresh},
                              format="json")
    assert rotated.status_code == 200
    assert api_client.post("/api/v1/auth/token/refresh", {"refresh": refresh},
                           format="json").status_code == 401


def start_recording(patient):
    from assessments.models import ConsentPurpose
    from assessments.services import consent_grant
    from assessments.uploads import recording_start_upload

    if not patient.consents.exists():
        consent_grant(patient=patient, purpose=ConsentPurpose.CARE)
    recording, _ = recording_start_upload(patient=patient, task="forward",
                                          content_type="video/mp4", size_bytes=2_000_000)
    return recording


def events() -> list[tuple]:
    return list(AccessEvent.objects.order_by("at", "id").values_list(
        "role", "patient_id", "object_type", "outcome"))


def test_admin_reads_of_patient_data_are_logged(admin_client) -> None:
    """Row 5: opening a patient, a recording and PROM scores in the admin left no trace."""
    patient = PatientFactory()
    recording = start_recording(patient)
    score = PromScore.objects.create(patient=patient, instrument="vas", total=40,
                                     source=PromScore.Source.APP)
    assert not AccessEvent.objects.exists()
    for url in (f"/admin/assessments/patient/{patient.pk}/change/",
                f"/admin/assessments/recording/{recording.pk}/change/",
                f"/admin/assessments/promscore/{score.pk}/change/",
                f"/admin/assessments/user/{patient.user_id}/change/"):
        assert admin_client.get(url).status_code == 200
    assert events() == [("admin", patient.pk, kind, "allowed")
                        for kind in ("patient", "recording", "promscore", "user")]
    others = [PatientFactory() for _ in range(2)]
    for other in others:
        start_recording(other)
    before = AccessEvent.objects.count()
    assert admin_client.get("/admin/assessments/recording/").status_code == 200
    listed = AccessEvent.objects.order_by("at", "id")[before:]
    assert {e.patient_id for e in listed} == {patient.pk, *(o.pk for o in others)}
    assert {e.action for e in listed} == {"admin GET recording list"}


def test_the_admin_has_a_read_only_access_events_page(admin_client, client) -> None:
    patient = PatientFactory()
    admin_client.get(f"/admin/assessments/patient/{patient.pk}/change/")
    event = AccessEvent.objects.get()
    page = admin_client.get("/admin/assessments/accessevent/")
    assert page.status_code == 200
    assert str(patient.pk).encode() in page.content
    assert admin_client.get("/admin/assessments/accessevent/add/").status_code == 403
    assert admin_client.post(f"/admin/assessments/accessevent/{event.pk}/delete/",
                             {"post": "yes"}).status_code == 403
    assert AccessEvent.objects.filter(pk=event.pk).exists()


def test_refused_dashboard_requests_are_logged_with_the_patient(client) -> None:
    """Row 5: a physio's refused video request named no patient; a patient's refused
    dashboard requests were not logged at all."""
    patient = PatientFactory()
    recording = start_recording(patient)
    stranger = PhysiotherapistFactory()
    client.force_login(stranger)
    assert client.get(f"/dashboard/recordings/{recording.pk}/video").status_code == 404
    assert events() == [("physiotherapist", patient.pk, "recording", "denied")]
    client.force_login(patient.user)
    assert client.get(f"/dashboard/recordings/{recording.pk}/video").status_code == 403
    assert client.get(f"/dashboard/patients/{patient.pk}/").status_code == 403
    assert events()[1:] == [("patient", patient.pk, "recording", "denied"),
                            ("patient", patient.pk, "patient", "denied")]
