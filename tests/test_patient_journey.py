"""The whole patient journey over the API, with a real worker doing the work.

Register, activate, consent, answer a questionnaire, upload a forward and a backward bend
(resumable chunks), let the worker analyse them, start the assessment, let the worker
classify it with the active model, have the physiotherapist approve the programme, and
read a programme that fits the phenotype.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail

from assessments.models import ClinicSettings, User
from backtracker_site.models import JobStatus
from tests.factories import PhysiotherapistFactory, bearer
from tests.journey_setup import clinic_with_a_model, one_participant_videos
from tests.services import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data"),
              pytest.mark.services, pytest.mark.slow]

PASSWORD = "a quiet river at dusk"


def upload(api_client, auth, task: str, video: Path) -> str:
    body = video.read_bytes()
    started = api_client.post("/api/v1/recordings", {"task": task, "content_type": "video/mp4",
                                                     "size_bytes": len(body)},
                              format="json", **auth)
    assert started.status_code == 201, started.content
    upload = started.json()["upload"]
    offset = 0
    for part in upload["parts"]:
        sent = api_client.generic("PUT", part["url"], body[offset:offset + part["size"]],
                                  content_type="application/octet-stream", **auth)
        assert sent.status_code == 204
        offset += part["size"]
    recording_id = started.json()["recording"]["id"]
    done = api_client.post(f"/api/v1/recordings/{recording_id}/complete", **auth)
    assert done.json()["status"] == JobStatus.QUEUED
    return recording_id


def test_patient_journey(api_client, start_worker, tmp_path, settings, mailoutbox) -> None:
    start_worker()
    settings.UPLOAD_PART_BYTES = 64 * 1024
    ClinicSettings.objects.create(results_need_review=False, confidence_threshold=0.5)
    version = clinic_with_a_model(tmp_path / "report")
    forward_video, backward_video = one_participant_videos(tmp_path / "cohort")

    # Registration and activation.
    api_client.post("/api/v1/auth/register", {
        "email": "journey@example.org", "password": PASSWORD, "year_of_birth": 1975,
        "consent_to_care": True, "consent_to_training": False}, format="json")
    wait_until(lambda: mail.outbox, timeout=10)
    uid, token = re.search(r"/accounts/activate/([^/]+)/([^/]+)/", mail.outbox[-1].body).groups()
    assert api_client.post("/api/v1/auth/activate", {"uid": uid, "token": token},
                           format="json").status_code == 200
    tokens = api_client.post("/api/v1/auth/token", {"email": "journey@example.org",
                                                    "password": PASSWORD},
                             format="json").json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
    patient = User.objects.get(email="journey@example.org").patient
    patient.physiotherapist = PhysiotherapistFactory()
    patient.save()

    # Questionnaire, then the two recordings.
    sbt = api_client.post("/api/v1/questionnaires/sbt/responses",
                          {"answers": [1, 1, 1, 1, 1, 1, 1, 0, 2]}, format="json", **auth)
    assert sbt.json()["band"] == "medium risk"
    forward = upload(api_client, auth, "forward", forward_video)
    backward = upload(api_client, auth, "backward",
                      backward_video)
    created = api_client.post("/api/v1/assessments", {"forward": forward, "backward": backward},
                              format="json", **auth)
    assert created.status_code == 201
    assessment_id = created.json()["id"]

    def finished():
        body = api_client.get(f"/api/v1/assessments/{assessment_id}", **auth).json()
        return body if body["status"] in ("done", "failed") or body["needs"] else None

    result = wait_until(finished, timeout=400, interval=1)
    assert result["status"] == "done", result
    assert result["percent"] == 100
    assert result["result"]["phenotype"] in ("FP", "EP")
    assert result["result"]["model_version"] == version.number
    phenotype = result["result"]["phenotype"]

    # The physiotherapist approves the programme; then the patient can read it.
    assert api_client.get("/api/v1/programmes", **auth).json()["results"] == []
    physio = bearer(patient.physiotherapist)
    drafts = api_client.get("/api/v1/programmes", **physio).json()["results"]
    assert len(drafts) == 1
    approved = api_client.post(f"/api/v1/programmes/{drafts[0]['id']}/approve", {},
                               format="json", **physio)
    assert approved.status_code == 200
    programmes = api_client.get("/api/v1/programmes", **auth).json()["results"]
    assert len(programmes) == 1
    assert programmes[0]["phenotype"] == phenotype
