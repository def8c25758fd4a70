"""Questionnaires over the API: definitions, submission, scores with history, wording."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.models import ConsentPurpose, PromScore
from assessments.services import consent_grant
from tests.factories import PatientFactory, bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient():
    patient = PatientFactory()
    consent_grant(patient=patient, purpose=ConsentPurpose.CARE)
    return patient


def test_definitions_ship_neutral_labels_only(api_client, patient) -> None:
    listed = api_client.get("/api/v1/questionnaires", **bearer(patient.user)).json()
    codes = {item["code"] for item in listed}
    assert codes == {"vas", "odi", "pcs", "pseq", "sbt", "tsk", "csq", "pass20"}
    sbt = next(item for item in listed if item["code"] == "sbt")
    assert sbt["items"][0] == {"number": 1, "text": "Item 1", "min": 0, "max": 1}
    assert sbt["items"][8]["max"] == 4


def test_a_submission_is_scored_banded_and_kept_as_history(api_client, patient) -> None:
    auth = bearer(patient.user)
    first = api_client.post("/api/v1/questionnaires/sbt/responses",
                            {"answers": [1, 1, 1, 1, 1, 1, 1, 1, 4]}, format="json", **auth)
    assert first.status_code == 201
    assert first.json()["total"] == 9
    assert first.json()["band"] == "high risk"
    assert first.json()["subscales"] == {"psychosocial": 5}
    api_client.post("/api/v1/questionnaires/sbt/responses",
                    {"answers": [0] * 9}, format="json", **auth)
    history = api_client.get("/api/v1/prom-scores?instrument=sbt", **auth).json()["results"]
    assert [item["band"] for item in history] == ["low risk", "high risk"]
    physio = api_client.get("/api/v1/prom-scores", **bearer(patient.physiotherapist)).json()
    assert physio["count"] == 2


def test_invalid_answers_get_a_reason_and_store_nothing(api_client, patient) -> None:
    response = api_client.post("/api/v1/questionnaires/odi/responses",
                               {"answers": [1, 2, 3]}, format="json", **bearer(patient.user))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_answers"
    assert "10 items" in response.json()["error"]["message"]
    assert not PromScore.objects.exists()


def test_unknown_questionnaire_is_404(api_client, patient) -> None:
    response = api_client.post("/api/v1/questionnaires/nope/responses", {"answers": [1]},
                               format="json", **bearer(patient.user))
    assert response.status_code == 404


def test_licensed_wording_is_loaded_by_an_admin(api_client, patient, tmp_path) -> None:
    wording = {"vas": {"version": "0-100 mm", "items": {"1": "Licensed wording of item 1"}}}
    path = tmp_path / "wording.json"
    path.write_text(json.dumps(wording))
    call_command("load_prom_wording", str(path))
    listed = api_client.get("/api/v1/questionnaires", **bearer(patient.user)).json()
    vas = next(item for item in listed if item["code"] == "vas")
    assert vas["items"][0]["text"] == "Licensed wording of item 1"
    path.write_text(json.dumps({"odi": {"version": "2.1a", "items": {"1": "only one"}}}))
    with pytest.raises(CommandError, match="items 1-10"):
        call_command("load_prom_wording", str(path))
