"""Recording uploads: presigned POST, resumable multipart on S3, chunked on local files."""

from __future__ import annotations

import base64
import json
import re
import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
import requests
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from assessments.models import ConsentPurpose, Recording
from assessments.services import consent_grant
from assessments.uploads import abort_stale_uploads
from backtracker_site.models import JobStatus
from tests.factories import PatientFactory, bearer
from tests.videos import write_video

pytestmark = pytest.mark.django_db
KEY_PATTERN = re.compile(r"^patients/[0-9a-f-]{36}/recordings/[0-9a-f-]{36}/source\.mp4$")


@pytest.fixture
def patient():
    patient = PatientFactory()
    consent_grant(patient=patient, purpose=ConsentPurpose.CARE)
    return patient


@pytest.fixture
def video_bytes(tmp_path) -> bytes:
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (96, 96, 3), dtype=np.uint8) for _ in range(20)]
    return write_video(tmp_path / "clip.mp4", frames).read_bytes()


def start(api_client, patient, size: int, content_type: str = "video/mp4"):
    return api_client.post("/api/v1/recordings", {"task": "backward", "size_bytes": size,
                                                  "content_type": content_type},
                           format="json", **bearer(patient.user))


def test_chunked_upload_resumes_after_the_app_is_killed(api_client, patient, video_bytes,
                                                        settings,
                                                        django_capture_on_commit_callbacks):
    settings.UPLOAD_PART_BYTES = 16 * 1024
    started = start(api_client, patient, len(video_bytes))
    assert started.status_code == 201
    recording_id = started.json()["recording"]["id"]
    upload = started.json()["upload"]
    assert upload["mode"] == "chunked"
    parts = upload["parts"]
    assert len(parts) == upload["part_count"] >= 3
    auth = bearer(patient.user)
    offsets = np.cumsum([0] + [p["size"] for p in parts])

    def send(part):
        body = video_bytes[offsets[part["number"] - 1]:offsets[part["number"]]]
        return api_client.generic("PUT", part["url"], body,
                                  content_type="application/octet-stream", **auth)

    assert send(parts[0]).status_code == 204  # then the app is killed
    early = api_client.post(f"/api/v1/recordings/{recording_id}/complete", **auth)
    assert early.status_code == 409
    resumed = api_client.get(f"/api/v1/recordings/{recording_id}/upload", **auth).json()
    assert resumed["stored_parts"] == [1]
    assert [p["number"] for p in resumed["parts"]] == list(range(2, len(parts) + 1))
    for part in resumed["parts"]:
        assert send(part).status_code == 204
    with django_capture_on_commit_callbacks() as callbacks:
        done = api_client.post(f"/api/v1/recordings/{recording_id}/complete", **auth)
        again = api_client.post(f"/api/v1/recordings/{recording_id}/complete", **auth)
    assert done.status_code == again.status_code == 200
    assert done.json()["status"] == JobStatus.QUEUED
    assert len(callbacks) == 1  # queued for analysis exactly once
    recording = Recording.objects.get(pk=recording_id)
    assert KEY_PATTERN.match(recording.source_key)
    with default_storage.open(recording.source_key, "rb") as handle:
        assert handle.read() == video_bytes


@pytest.mark.django_db(transaction=True)
def test_concurrent_completes_never_destroy_a_finished_upload(reference_data, video_bytes,
                                                              settings) -> None:
    """Issue 18 row 3: a phone retrying complete on a bad network (4 at once, 3 rounds)."""
    settings.UPLOAD_PART_BYTES = max(16 * 1024, len(video_bytes) // 3 + 1)
    patient = PatientFactory()
    consent_grant(patient=patient, purpose=ConsentPurpose.CARE)
    auth = bearer(patient.user)
    client = APIClient()
    for _ in range(3):
        started = start(client, patient, len(video_bytes)).json()
        recording_id = started["recording"]["id"]
        parts = started["upload"]["parts"]
        assert len(parts) == 3
        offset = 0
        for part in parts:
            body = video_bytes[offset:offset + part["size"]]
            offset += part["size"]
            assert client.generic("PUT", part["url"], body,
                                  content_type="application/octet-stream", **auth
                                  ).status_code == 204
        barrier = threading.Barrier(4)
        answers: list[tuple[int, str]] = []

        def complete(recording_id=recording_id, barrier=barrier, answers=answers) -> None:
            try:
                barrier.wait()
                response = APIClient().post(f"/api/v1/recordings/{recording_id}/complete",
                                            **auth)
                answers.append((response.status_code, response.json().get("status", "")))
            finally:
                connection.close()

        threads = [threading.Thread(target=complete) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert answers == [(200, JobStatus.QUEUED)] * 4
        recording = Recording.objects.get(pk=recording_id)
        assert recording.status == JobStatus.QUEUED
        with default_storage.open(recording.source_key, "rb") as handle:
            assert handle.read() == video_bytes


@pytest.mark.django_db(transaction=True)
def test_a_chunk_sent_during_complete_waits_and_leaves_nothing(reference_data, video_bytes,
                                                               settings, monkeypatch) -> None:
    """Issue 18 row 3: a retried chunk racing complete must not write into the upload
    folder that complete is assembling and removing."""
    from assessments import uploads

    settings.UPLOAD_PART_BYTES = max(16 * 1024, len(video_bytes) // 3 + 1)
    patient = PatientFactory()
    consent_grant(patient=patient, purpose=ConsentPurpose.CARE)
    auth = bearer(patient.user)
    client = APIClient()
    started = client.post("/api/v1/recordings", {"task": "backward",
                                                 "size_bytes": len(video_bytes),
                                                 "content_type": "video/mp4"},
                          format="json", **auth).json()
    recording_id, parts = started["recording"]["id"], started["upload"]["parts"]
    offset, bodies = 0, []
    for part in parts:
        bodies.append(video_bytes[offset:offset + part["size"]])
        offset += part["size"]
        client.generic("PUT", part["url"], bodies[-1],
                       content_type="application/octet-stream", **auth)
    late: dict[str, object] = {}

    def send_again() -> None:
        try:
            late["status"] = APIClient().generic(
                "PUT", parts[0]["url"], bodies[0], content_type="application/octet-stream",
                **auth).status_code
        finally:
            connection.close()

    discard = uploads.discard_chunks

    def discard_while_a_chunk_arrives(recording) -> None:
        thread = threading.Thread(target=send_again)
        thread.start()
        thread.join(timeout=1.5)
        late["waited"] = thread.is_alive()  # blocked on the row lock
        discard(recording)
        late["thread"] = thread

    monkeypatch.setattr(uploads, "discard_chunks", discard_while_a_chunk_arrives)
    done = client.post(f"/api/v1/recordings/{recording_id}/complete", **auth)
    late["thread"].join(timeout=30)
    assert done.status_code == 200
    assert late["waited"] is True
    assert late["status"] == 409
    recording = Recording.objects.get(pk=recording_id)
    assert recording.status == JobStatus.QUEUED
    assert not uploads.chunk_folder(recording).exists()


def test_a_chunk_of_the_wrong_size_is_refused(api_client, patient, settings) -> None:
    settings.UPLOAD_PART_BYTES = 16 * 1024
    started = start(api_client, patient, 40 * 1024).json()
    response = api_client.generic("PUT", started["upload"]["parts"][0]["url"], b"x" * 100,
                                  content_type="application/octet-stream",
                                  **bearer(patient.user))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_chunk"


def test_html_sent_as_video_is_rejected_on_completion(api_client, patient, settings) -> None:
    settings.UPLOAD_PART_BYTES = 64 * 1024
    html = b"<!doctype html><html><body>" + b"x" * 20_000 + b"</body></html>"
    started = start(api_client, patient, len(html)).json()
    auth = bearer(patient.user)
    api_client.generic("PUT", started["upload"]["parts"][0]["url"], html,
                       content_type="application/octet-stream", **auth)
    response = api_client.post(f"/api/v1/recordings/{started['recording']['id']}/complete",
                               **auth)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "not_a_video"
    recording = Recording.objects.get(pk=started["recording"]["id"])
    assert recording.status == JobStatus.FAILED
    assert not default_storage.exists(recording.source_key)


@pytest.mark.parametrize(("size", "content_type", "code"), [
    (500, "video/mp4", "file_size"),
    (10**10, "video/mp4", "file_size"),
    (100_000, "text/html", "invalid"),
])
def test_bad_upload_requests_say_what_to_do(api_client, patient, size, content_type, code):
    response = start(api_client, patient, size, content_type)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert not Recording.objects.exists()


def test_recording_needs_care_consent(api_client) -> None:
    response = start(api_client, PatientFactory(), 100_000)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "consent_required"


def test_pending_uploads_are_limited(api_client, patient) -> None:
    statuses = [start(api_client, patient, 100_000).status_code for _ in range(5)]
    assert statuses == [201, 201, 201, 201, 429]


def test_each_patient_has_a_daily_upload_quota(api_client, patient, settings) -> None:
    settings.UPLOAD_DAILY_RECORDINGS = 3
    settings.UPLOAD_DAILY_BYTES = 1_000_000
    too_big = start(api_client, patient, 1_000_001)
    assert too_big.status_code == 429
    assert too_big.json()["error"]["code"] == "upload_quota"
    Recording.objects.filter(patient=patient).update(status=JobStatus.DONE)  # none pending

    statuses = [start(api_client, patient, 100_000).status_code for _ in range(4)]

    assert statuses == [201, 201, 201, 429]
    with freeze_time(timezone.now() + timedelta(hours=25)):
        Recording.objects.filter(patient=patient).update(status=JobStatus.DONE)
        assert start(api_client, patient, 100_000).status_code == 201
    other = PatientFactory()
    consent_grant(patient=other, purpose=ConsentPurpose.CARE)
    assert start(api_client, other, 100_000).status_code == 201  # quotas are per patient


@pytest.mark.services
def test_presigned_post_pins_key_type_size_and_expiry(api_client, patient, video_bytes,
                                                      s3_storage) -> None:
    started = start(api_client, patient, len(video_bytes))
    upload = started.json()["upload"]
    assert upload["mode"] == "post"
    fields = upload["fields"]
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", len(video_bytes), len(video_bytes)] in conditions
    assert {"Content-Type": "video/mp4"} in conditions
    assert {"key": fields["key"]} in conditions
    assert KEY_PATTERN.match(fields["key"])
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    expires = timezone.datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert expires - timezone.now() <= timedelta(minutes=10)
    sent = requests.post(upload["url"], data=fields,
                         files={"file": ("anything.mp4", video_bytes)}, timeout=30)
    assert sent.status_code in (200, 204)
    recording_id = started.json()["recording"]["id"]
    done = api_client.post(f"/api/v1/recordings/{recording_id}/complete",
                           **bearer(patient.user))
    assert done.status_code == 200
    assert done.json()["status"] == JobStatus.QUEUED


@pytest.mark.services
def test_multipart_upload_resumes_and_each_part_is_signed_for_its_length(
    api_client, patient, video_bytes, s3_storage, settings
) -> None:
    client, bucket = s3_storage
    settings.UPLOAD_PART_BYTES = 5 * 1024 * 1024
    settings.UPLOAD_SINGLE_POST_MAX_BYTES = 10 * 1024 * 1024
    body = video_bytes + bytes(11 * 1024 * 1024 - len(video_bytes))  # 3 parts
    started = start(api_client, patient, len(body)).json()
    upload = started["upload"]
    assert upload["mode"] == "multipart"
    assert [p["size"] for p in upload["parts"]] == [5 * 2**20, 5 * 2**20, 2**20]
    for part in upload["parts"]:
        query = parse_qs(urlparse(part["url"]).query)
        assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
        assert "content-length" in query["X-Amz-SignedHeaders"][0].split(";")
        assert int(query["X-Amz-Expires"][0]) <= 600
    offsets = [0, 5 * 2**20, 10 * 2**20, len(body)]
    for part in upload["parts"][:2]:  # then the app is killed
        n = part["number"]
        assert requests.put(part["url"], data=body[offsets[n - 1]:offsets[n]],
                            timeout=30).status_code == 200
    auth = bearer(patient.user)
    resumed = api_client.get(f"/api/v1/recordings/{started['recording']['id']}/upload",
                             **auth).json()
    assert resumed["stored_parts"] == [1, 2]
    assert [p["number"] for p in resumed["parts"]] == [3]
    requests.put(resumed["parts"][0]["url"], data=body[offsets[2]:], timeout=30)
    done = api_client.post(f"/api/v1/recordings/{started['recording']['id']}/complete", **auth)
    assert done.status_code == 200
    recording = Recording.objects.get(pk=started["recording"]["id"])
    assert client.head_object(Bucket=bucket, Key=recording.source_key)["ContentLength"] \
        == len(body)


@pytest.mark.services
def test_stale_uploads_are_aborted_and_their_parts_removed(api_client, patient, s3_storage,
                                                           settings) -> None:
    client, bucket = s3_storage
    settings.UPLOAD_PART_BYTES = 5 * 1024 * 1024
    started = start(api_client, patient, 60 * 1024 * 1024).json()
    first = started["upload"]["parts"][0]
    requests.put(first["url"], data=bytes(first["size"]), timeout=30)
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads")
    Recording.objects.update(created_at=timezone.now() - timedelta(days=2))
    assert abort_stale_uploads() == 1
    assert not client.list_multipart_uploads(Bucket=bucket).get("Uploads")
    recording = Recording.objects.get()
    assert recording.status == JobStatus.FAILED
    assert recording.error_code == "upload_expired"


def test_the_recording_protocol_guides_the_app(api_client, patient) -> None:
    protocol = api_client.get("/api/v1/recording-protocol", **bearer(patient.user)).json()
    assert [task["task"] for task in protocol["tasks"]] == ["forward", "backward"]
    assert all(task["repetitions"] == 3 for task in protocol["tasks"])
    assert "side-on" in protocol["camera"]["view"]
    assert protocol["formats"] == ["video/mp4", "video/quicktime"]


def test_upload_creation_and_questionnaires_are_throttled_per_user(api_client, patient,
                                                                   monkeypatch) -> None:
    from rest_framework.throttling import ScopedRateThrottle

    rates = {**ScopedRateThrottle.THROTTLE_RATES, "uploads": "3/hour", "questionnaires": "2/hour"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    statuses = [start(api_client, patient, 100_000).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    auth = bearer(patient.user)
    answers = [api_client.post("/api/v1/questionnaires/vas/responses", {"answers": [30]},
                               format="json", **auth).status_code for _ in range(3)]
    assert answers == [201, 201, 429]
    other = PatientFactory()
    consent_grant(patient=other, purpose=ConsentPurpose.CARE)
    assert start(api_client, other, 100_000).status_code == 201  # per user, not global
