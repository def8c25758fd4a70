"""The physiotherapist's pages with Django's test client (browser tests: tests/site)."""

from __future__ import annotations

import pytest

from assessments.models import AccessEvent, PhenotypeLabel, RecordingRequest, User
from tests.assessments.dashboard_data import processed_patient
from tests.factories import PatientFactory, PhysiotherapistFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_caseload_lists_own_patients_with_what_needs_attention(client) -> None:
    mine = PatientFactory()
    processed_patient(mine)
    quiet = PatientFactory(physiotherapist=mine.physiotherapist)
    other = PatientFactory()
    client.force_login(mine.physiotherapist)
    page = client.get("/dashboard/").content.decode()
    assert str(mine) in page
    assert str(quiet) in page
    assert str(other) not in page
    assert page.index(str(mine)) < page.index(str(quiet))  # attention first
    assert "result to review" in page
    assert "low confidence" in page
    searched = client.get("/dashboard/", {"q": quiet.user.last_name}).content.decode()
    assert str(quiet) in searched
    # Every patient shown is in the access log, once per page view.
    logged = AccessEvent.objects.filter(action="caseload").values_list("patient_id", flat=True)
    assert sorted(map(str, logged)) == sorted(map(str, [mine.pk, quiet.pk, quiet.pk]))


def test_patient_page_shows_plots_masks_and_the_result(client) -> None:
    patient = PatientFactory()
    processed_patient(patient)
    client.force_login(patient.physiotherapist)
    page = client.get(f"/dashboard/patients/{patient.pk}/").content.decode()
    assert page.count("<svg") >= 4  # forward and backward theta and curvature curves
    assert "spinal curvature from the back outline" in page
    # backward: lumbar 15 of 27.6 degrees of trunk rotation (dashboard_data.mask_array)
    assert "Lumbar share of the extension:\n  <strong>54%</strong>" in page
    assert "rep 3" in page
    assert 'class="montage"' in page
    assert "Flexion pattern" in page
    assert "data:image/png;base64," in page


def test_another_physios_patient_is_404_and_logged(client) -> None:
    patient = PatientFactory()
    intruder = PhysiotherapistFactory()
    client.force_login(intruder)
    assert client.get(f"/dashboard/patients/{patient.pk}/").status_code == 404
    event = AccessEvent.objects.get(patient_id=patient.pk)
    assert (event.actor, event.outcome) == (intruder, AccessEvent.Outcome.DENIED)


def test_patients_cannot_open_the_dashboard(client) -> None:
    client.force_login(UserFactory(role=User.Role.PATIENT))
    assert client.get("/dashboard/").status_code == 403
    client.logout()
    assert client.get("/dashboard/").status_code == 302  # to the login page


def test_override_and_rerecord_request(client) -> None:
    patient = PatientFactory()
    processed_patient(patient)
    client.force_login(patient.physiotherapist)
    url = f"/dashboard/patients/{patient.pk}/"
    client.post(url + "review", {"phenotype": "EP", "reason": "clear lumbar hinge"})
    assert PhenotypeLabel.objects.get(patient=patient).phenotype == "EP"
    client.post(url + "request-recording", {"task": "backward", "message": ""})
    assert RecordingRequest.objects.get(patient=patient).task == "backward"


def test_video_is_served_only_after_authorization(client) -> None:
    patient = PatientFactory()
    assessment = processed_patient(patient)
    client.force_login(PhysiotherapistFactory())
    assert client.get(f"/dashboard/recordings/{assessment.forward_id}/video").status_code == 404
    client.force_login(patient.physiotherapist)
    response = client.get(f"/dashboard/recordings/{assessment.forward_id}/video")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
