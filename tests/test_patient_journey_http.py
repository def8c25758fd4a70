"""The patient journey as the phone app makes it: real HTTP, gunicorn, a worker, S3.

The site runs in a gunicorn process in production mode, a Celery worker process does the
analysis, and videos go straight to an S3 API (moto) the way the app sends them: the
forward bend by presigned POST, the backward bend by multipart upload that is cut off
part-way, resumed from what the server says is stored, and completed. The patient then
follows the assessment, reads the result and the programme their physiotherapist
approved, downloads their data and finally asks for erasure, which leaves nothing of
theirs in the bucket.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
import requests

from assessments.models import ClinicSettings, Erasure, User
from tests.factories import TEST_PASSWORD, PhysiotherapistFactory
from tests.journey_setup import clinic_with_a_model, one_participant_videos
from tests.services import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data"),
              pytest.mark.services, pytest.mark.slow]

PASSWORD = "a quiet river at dusk"
MIB = 1024 * 1024
PART_BYTES = 5 * MIB  # S3's smallest part


def padded_to(video: Path, size: int, target: Path) -> Path:
    """The video with a trailing MP4 `free` box, so it needs more than one upload part."""
    body = video.read_bytes()
    pad = size - len(body) - 8
    target.write_bytes(body + struct.pack(">I", pad + 8) + b"free" + bytes(pad))
    return target


class App:
    """What the phone app does, over HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def call(self, method: str, path: str, expect: int, **kwargs) -> dict:
        response = self.http.request(method, self.base + path, timeout=60, **kwargs)
        assert response.status_code == expect, (method, path, response.text[:500])
        assert response.headers["Cache-Control"] == "no-store"
        return response.json() if response.content else {}

    def sign_in(self, email: str, password: str, otp: str = "") -> None:
        body = {"email": email, "password": password, **({"otp": otp} if otp else {})}
        tokens = self.call("POST", "/api/v1/auth/token", 200, json=body)
        self.http.headers["Authorization"] = f"Bearer {tokens['access']}"

    def start_recording(self, task: str, size: int) -> tuple[str, dict]:
        started = self.call("POST", "/api/v1/recordings", 201,
                            json={"task": task, "content_type": "video/mp4", "size_bytes": size})
        return started["recording"]["id"], started["upload"]


def authenticator_code(user) -> str:
    """Set up the user's authenticator app and return the code it shows now."""
    from django_otp.oath import totp

    from assessments import mfa

    device = mfa.mfa_start(user=user)
    mfa.mfa_confirm(user=user, token=f"{totp(device.bin_key):06d}")
    type(device).objects.filter(pk=device.pk).update(last_t=-1)  # the code may repeat
    return f"{totp(device.bin_key):06d}"


def activation_link(mail_dir: Path) -> tuple[str, str]:
    messages = sorted(mail_dir.glob("*.log"))
    assert messages, "no activation e-mail was written"
    return re.search(r"/accounts/activate/([^/]+)/([^/]+)/", messages[-1].read_text()).groups()


def test_patient_journey_over_http(s3_storage, start_server, start_worker, tmp_path) -> None:
    client, bucket = s3_storage
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    ClinicSettings.objects.create(results_need_review=True, confidence_threshold=0.5)
    version = clinic_with_a_model(tmp_path / "report")
    forward_video, backward_bend = one_participant_videos(tmp_path / "cohort")
    backward_video = padded_to(backward_bend, PART_BYTES + MIB, tmp_path / "backward.mp4")
    server, server_var = start_server({"UPLOAD_PART_BYTES": str(PART_BYTES),
                                       "UPLOAD_SINGLE_POST_MAX_BYTES": str(2 * MIB)})
    start_worker()
    app = App(server.url)

    # Sign up, activate from the e-mail, sign in, consent, answer questionnaires.
    app.call("POST", "/api/v1/auth/register", 202, json={
        "email": "phone@example.org", "password": PASSWORD, "year_of_birth": 1979,
        "consent_to_care": True})
    uid, token = activation_link(server_var / "mail")
    app.call("POST", "/api/v1/auth/activate", 200, json={"uid": uid, "token": token})
    app.sign_in("phone@example.org", PASSWORD)
    patient = User.objects.get(email="phone@example.org").patient
    patient.physiotherapist = PhysiotherapistFactory()
    patient.save()
    app.call("POST", "/api/v1/consents", 201, json={"purpose": "model_training"})
    protocol = app.call("GET", "/api/v1/recording-protocol", 200)
    assert {task["task"] for task in protocol["tasks"]} == {"forward", "backward"}
    sbt = app.call("POST", "/api/v1/questionnaires/sbt/responses", 201,
                   json={"answers": [0, 1, 0, 0, 1, 0, 0, 0, 0]})
    assert sbt["band"] == "low risk"
    app.call("POST", "/api/v1/questionnaires/vas/responses", 201, json={"answers": [45]})

    # Forward bend: one presigned POST straight to the bucket.
    forward, upload = app.start_recording("forward", forward_video.stat().st_size)
    assert upload["mode"] == "post"
    with forward_video.open("rb") as handle:
        posted = requests.post(upload["url"], data=upload["fields"], timeout=60,
                               files={"file": ("bend.mp4", handle, "video/mp4")})
    assert posted.status_code in (200, 204), posted.text
    app.call("POST", f"/api/v1/recordings/{forward}/complete", 200)

    # Backward bend: multipart; part 2 is cut off, as when the app is killed.
    body = backward_video.read_bytes()
    backward, upload = app.start_recording("backward", len(body))
    assert (upload["mode"], upload["part_count"]) == ("multipart", 2)
    first, second = upload["parts"]
    sent = requests.put(first["url"], data=body[:first["size"]], timeout=60)
    assert sent.status_code == 200

    def cut_off():
        yield body[first["size"]:first["size"] + 64 * 1024]
        raise ConnectionAbortedError("the app was killed")

    with pytest.raises((requests.RequestException, ConnectionAbortedError)):
        requests.put(second["url"], data=cut_off(), timeout=60,
                     headers={"Content-Length": str(second["size"])})
    early = app.call("POST", f"/api/v1/recordings/{backward}/complete", 409)
    assert early["error"]["code"] == "upload_incomplete"

    resumed = app.call("GET", f"/api/v1/recordings/{backward}/upload", 200)
    assert resumed["stored_parts"] == [1]
    assert [part["number"] for part in resumed["parts"]] == [2]
    sent = requests.put(resumed["parts"][0]["url"], data=body[first["size"]:], timeout=60)
    assert sent.status_code == 200
    app.call("POST", f"/api/v1/recordings/{backward}/complete", 200)
    again = app.call("POST", f"/api/v1/recordings/{backward}/complete", 200)
    assert again["status"] in ("queued", "running", "done")  # completing twice is harmless

    # The assessment: follow it until the model has spoken.
    assessment = app.call("POST", "/api/v1/assessments", 201,
                          json={"forward": forward, "backward": backward})["id"]
    seen_percent: list[int] = []

    def finished():
        state = app.call("GET", f"/api/v1/assessments/{assessment}", 200)
        seen_percent.append(state["percent"])
        return state if state["status"] in ("done", "failed") or state["needs"] else None

    state = wait_until(finished, timeout=600, interval=2)
    assert state["status"] == "done", state
    assert seen_percent == sorted(seen_percent)
    assert state["result"] is None  # the clinic's physiotherapist reviews results first

    # The physiotherapist confirms the result and approves the programme.
    physio = App(server.url)  # staff sign in with a second factor
    physio.sign_in(patient.physiotherapist.email, TEST_PASSWORD,
                   otp=authenticator_code(patient.physiotherapist))
    staff_view = physio.call("GET", f"/api/v1/assessments/{assessment}", 200)["result"]
    assert staff_view["model_version"] == version.number
    assert len(staff_view["mask_scores"]) > 0
    physio.call("POST", f"/api/v1/assessments/{assessment}/review", 200,
                json={"phenotype": staff_view["phenotype"], "reason": "Fits the examination"})
    physio.call("POST", f"/api/v1/programmes/{staff_view['programme']}/approve", 200,
                json={"reason": "Suits this patient"})

    # The patient reads the result and the programme it links to.
    result = app.call("GET", f"/api/v1/assessments/{assessment}", 200)["result"]
    assert result["phenotype"] == staff_view["phenotype"]
    assert result["programme"] == staff_view["programme"]
    assert "mask_scores" not in result
    programme = app.call("GET", f"/api/v1/programmes/{result['programme']}", 200)
    assert programme["phenotype"] == result["phenotype"]
    assert programme["items"]

    # Their data, then erasure: nothing of theirs stays in the bucket.
    export = app.call("POST", "/api/v1/exports", 202, json={"patient": str(patient.pk)})
    wait_until(lambda: app.call("GET", f"/api/v1/exports/{export['id']}", 200)["ready"],
               timeout=120, interval=1)
    archive = app.http.get(f"{server.url}/api/v1/exports/{export['id']}/download", timeout=60)
    assert archive.json()["patient"]["id"] == str(patient.pk)
    prefix = f"patients/{patient.pk}/"
    assert client.list_object_versions(Bucket=bucket, Prefix=prefix).get("Versions")

    erasure = app.call("POST", "/api/v1/erasures", 202, json={"password": PASSWORD})
    app.call("GET", "/api/v1/me", 401)  # signed out at once
    wait_until(lambda: Erasure.objects.get(pk=erasure["id"]).status == "done", timeout=120,
               interval=1)
    versions = client.list_object_versions(Bucket=bucket, Prefix=prefix)
    assert not versions.get("Versions")
    assert not versions.get("DeleteMarkers")
    assert not client.list_multipart_uploads(Bucket=bucket, Prefix=prefix).get("Uploads")
    assert not User.objects.filter(email="phone@example.org").exists()
