"""Pages and API answers carrying patient data must not be cached anywhere."""

from __future__ import annotations

import pytest

from tests.factories import AdminFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/dashboard/", "/admin/assessments/patient/", "/api/v1/patients",
                                  "/accounts/login/"])
def test_pages_and_api_answers_are_never_stored(client, path: str) -> None:
    PatientFactory()
    client.force_login(AdminFactory(is_staff=True, is_superuser=True))

    response = client.get(path)

    assert response.status_code in (200, 401, 403)
    assert response["Cache-Control"] == "no-store"


def test_a_patient_page_of_the_dashboard_is_never_stored(client) -> None:
    patient = PatientFactory()
    client.force_login(patient.physiotherapist)

    response = client.get(f"/dashboard/patients/{patient.pk}/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
