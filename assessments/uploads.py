"""Getting a recording's bytes into object storage without passing through Django.

Three ways, chosen by the server:

- ``post``: one presigned S3 POST whose policy pins the key, the content type and a
  content-length range (S3 enforces it; nothing else can bound a single upload's size).
- ``multipart``: S3 multipart upload with one presigned URL per part, each signed for its
  exact length (SigV4 signs Content-Length). A killed app asks which parts are stored and
  gets URLs for the missing ones.
- ``chunked``: with local storage (the embedded default) the same resumable flow runs
  through the API: numbered chunks, then complete.

Every path ends in ``upload_complete``, which re-checks the object on the server (size and
ISO-BMFF magic bytes) because no client, and no S3 emulator, can be trusted to.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from assessments.models import ConsentPurpose, Patient, Recording
from assessments.selectors import patient_has_active_consent
from assessments.storage_keys import recording_source_key
from backtracker_site.api.errors import ApiError
from backtracker_site.jobs import enqueue_on_commit
from backtracker_site.models import JobStatus

MIB = 1024 * 1024
CONTENT_TYPES = ("video/mp4", "video/quicktime")
# ISO base media file format: bytes 4-8 of the first box are "ftyp" (MP4, MOV, 3GP).
MAGIC_OFFSET, MAGIC = 4, b"ftyp"


@dataclass(frozen=True)
class UploadLimits:
    min_bytes: int = 10 * 1024
    max_bytes: int = 300 * MIB
    part_bytes: int = 8 * MIB  # S3 needs >= 5 MiB for every part but the last
    single_post_max: int = 50 * MIB  # above this, multipart (resumable on bad networks)
    url_seconds: int = 600
    pending_per_patient: int = 4
    # Per-patient quota over the last 24 hours: recordings started and bytes declared.
    daily_recordings: int = 20
    daily_bytes: int = 1024 * MIB
    stale_after: timedelta = timedelta(hours=24)


POST_FIELD_NAMES = {"ServerSideEncryption": "x-amz-server-side-encryption",
                    "SSEKMSKeyId": "x-amz-server-side-encryption-aws-kms-key-id"}


def settings_object_parameters() -> dict[str, str]:
    return dict(getattr(settings, "AWS_S3_OBJECT_PARAMETERS", {}) or {})


def limits() -> UploadLimits:
    return UploadLimits(max_bytes=settings.UPLOAD_MAX_BYTES, part_bytes=settings.UPLOAD_PART_BYTES,
                        single_post_max=settings.UPLOAD_SINGLE_POST_MAX_BYTES,
                        daily_recordings=settings.UPLOAD_DAILY_RECORDINGS,
                        daily_bytes=settings.UPLOAD_DAILY_BYTES)


def uses_s3() -> bool:
    return not isinstance(default_storage, FileSystemStorage)


def s3_client():
    return default_storage.connection.meta.client


def s3_key(name: str) -> str:
    """The bucket key django-storages uses for a storage name (AWS_LOCATION prefix)."""
    location = default_storage.location.strip("/")
    return f"{location}/{name}" if location else name


def part_sizes(size: int, part_bytes: int) -> list[int]:
    count = max(1, math.ceil(size / part_bytes))
    return [min(part_bytes, size - i * part_bytes) for i in range(count)]


# --- Starting an upload -----------------------------------------------------------------


@transaction.atomic
def recording_start_upload(*, patient: Patient, task: str, content_type: str,
                           size_bytes: int) -> tuple[Recording, dict[str, Any]]:
    """Create a PENDING recording under a server-made key and say how to upload it."""
    bounds = limits()
    if not patient_has_active_consent(patient=patient, purpose=ConsentPurpose.CARE):
        raise ApiError(code="consent_required", status_code=403,
                       message="Agree to the care consent before recording.")
    if content_type not in CONTENT_TYPES:
        raise ApiError(code="not_a_video",
                       message="Upload the video as MP4 or MOV, straight from the camera.")
    if not bounds.min_bytes <= size_bytes <= bounds.max_bytes:
        raise ApiError(code="file_size", message=(
            f"The video must be between {bounds.min_bytes // 1024} KB and "
            f"{bounds.max_bytes // MIB} MB; record a shorter clip (under a minute)."))
    Patient.objects.select_for_update().filter(pk=patient.pk).first()  # serialise the quota
    if patient.recordings.filter(status=JobStatus.PENDING).count() >= bounds.pending_per_patient:
        raise ApiError(code="too_many_uploads", status_code=429, message=(
            "Finish or cancel the uploads already started before starting another."))
    recent = patient.recordings.filter(created_at__gte=timezone.now() - timedelta(days=1)) \
        .aggregate(count=Count("id"), size=Sum("size_bytes"))
    if recent["count"] >= bounds.daily_recordings \
            or (recent["size"] or 0) + size_bytes > bounds.daily_bytes:
        raise ApiError(code="upload_quota", status_code=429, message=(
            "You have reached today's upload limit; try again tomorrow, or ask your "
            "physiotherapist if you need to send more."))
    recording = Recording(patient=patient, task=task, status=JobStatus.PENDING,
                          size_bytes=size_bytes)
    recording.source_key = recording_source_key(patient_id=patient.id, recording_id=recording.id)
    if not uses_s3():
        recording.upload_mode = "chunked"
    elif size_bytes <= bounds.single_post_max:
        recording.upload_mode = "post"
    else:
        recording.upload_mode = "multipart"
        recording.upload_id = s3_client().create_multipart_upload(
            Bucket=default_storage.bucket_name, Key=s3_key(recording.source_key),
            ContentType=content_type, **settings_object_parameters(),
        )["UploadId"]
    recording.content_type = content_type
    recording.full_clean()
    recording.save()
    return recording, upload_instructions(recording)


def upload_instructions(recording: Recording) -> dict[str, Any]:
    """What the app needs to send the (remaining) bytes; safe to call again to resume."""
    bounds = limits()
    if recording.upload_mode == "post":
        # Encryption settings (AWS_S3_OBJECT_PARAMETERS) must be sent and pinned too.
        encryption = {name: value for name, value in settings_object_parameters().items()
                      if name.startswith("SSE") or name == "ServerSideEncryption"}
        fields = {"Content-Type": recording.content_type,
                  **{POST_FIELD_NAMES[name]: value for name, value in encryption.items()}}
        post = s3_client().generate_presigned_post(
            Bucket=default_storage.bucket_name, Key=s3_key(recording.source_key),
            Fields=fields,
            Conditions=[
                *({name: value} for name, value in fields.items()),
                ["content-length-range", recording.size_bytes, recording.size_bytes],
            ],
            ExpiresIn=bounds.url_seconds,
        )
        return {"mode": "post", "url": post["url"], "fields": post["fields"],
                "expires_in": bounds.url_seconds}
    sizes = part_sizes(recording.size_bytes, bounds.part_bytes)
    stored = stored_parts(recording)
    missing = [n for n in range(1, len(sizes) + 1) if n not in stored]
    if recording.upload_mode == "multipart":
        client = s3_client()
        parts = [{
            "number": n, "size": sizes[n - 1],
            "url": client.generate_presigned_url(
                "upload_part", ExpiresIn=bounds.url_seconds, HttpMethod="PUT",
                Params={"Bucket": default_storage.bucket_name,
                        "Key": s3_key(recording.source_key), "UploadId": recording.upload_id,
                        "PartNumber": n, "ContentLength": sizes[n - 1]},
            ),
        } for n in missing]
    else:
        parts = [{"number": n, "size": sizes[n - 1],
                  "url": f"/api/v1/recordings/{recording.id}/chunks/{n}"} for n in missing]
    return {"mode": recording.upload_mode, "part_count": len(sizes),
            "stored_parts": sorted(stored), "parts": parts, "expires_in": bounds.url_seconds}


# --- Receiving chunks (local storage) ---------------------------------------------------


def chunk_folder(recording: Recording) -> Path:
    return Path(settings.MEDIA_ROOT) / "uploads" / str(recording.id)


def stored_parts(recording: Recording) -> set[int]:
    if recording.upload_mode == "multipart":
        paginator = s3_client().get_paginator("list_parts")
        pages = paginator.paginate(Bucket=default_storage.bucket_name,
                                   Key=s3_key(recording.source_key),
                                   UploadId=recording.upload_id)
        return {part["PartNumber"] for page in pages for part in page.get("Parts", [])}
    if recording.upload_mode == "chunked":
        folder = chunk_folder(recording)
        return {int(p.stem) for p in folder.glob("*.part")} if folder.exists() else set()
    return set()


@transaction.atomic
def chunk_store(*, recording: Recording, number: int, body: bytes) -> None:
    """Keep one chunk of a chunked upload; sending the same chunk again replaces it.

    Written under the recording's row lock, like ``upload_complete``: a chunk that
    arrives while ``complete`` assembles waits for it, then finds the upload finished
    (never a stray chunk folder after the assembly removed it)."""
    recording = Recording.objects.select_for_update().filter(pk=recording.pk).first() \
        or recording
    if recording.status != JobStatus.PENDING or recording.upload_mode != "chunked":
        raise ApiError(code="not_uploading", status_code=409,
                       message="This recording is not waiting for an upload.")
    sizes = part_sizes(recording.size_bytes, limits().part_bytes)
    if not 1 <= number <= len(sizes):
        raise ApiError(code="bad_chunk", message=f"Chunks are numbered 1 to {len(sizes)}.")
    if len(body) != sizes[number - 1]:
        raise ApiError(code="bad_chunk", message=(
            f"Chunk {number} must be exactly {sizes[number - 1]} bytes, not {len(body)}."))
    folder = chunk_folder(recording)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = folder / f"{number}.partial"
    partial.write_bytes(body)
    partial.replace(folder / f"{number}.part")  # atomic: a chunk is whole or absent


# --- Completing -------------------------------------------------------------------------


def upload_complete(*, recording: Recording) -> Recording:
    """Check the stored bytes and queue the recording for analysis, exactly once.

    A phone on a bad network retries ``complete``; concurrent calls for one recording are
    serialised on its row, so only the first assembles and checks the file and the others
    answer with the state it left (never a half-assembled file judged too short).
    """
    failure: tuple[str, str] | None = None
    with transaction.atomic():
        locked = Recording.objects.select_for_update().filter(pk=recording.pk).first()
        if locked is None or locked.status != JobStatus.PENDING:
            return locked or recording  # a repeated complete: already done, nothing changes
        if locked.upload_mode == "multipart":
            finish_multipart(locked)
        elif locked.upload_mode == "chunked":
            assemble_chunks(locked)
        failure = stored_video_problem(locked)
        if failure is None:
            Recording.objects.filter(pk=locked.pk).update(
                status=JobStatus.QUEUED, queued_at=timezone.now(), stage="queued")
            enqueue_on_commit(locked)
        else:
            code, message = failure
            if default_storage.exists(locked.source_key):
                default_storage.delete(locked.source_key)
            Recording.objects.filter(pk=locked.pk).update(
                status=JobStatus.FAILED, error_code=code, error_message=message,
                finished_at=timezone.now())
    if failure is not None:
        raise ApiError(code=failure[0], message=failure[1], status_code=422)
    recording.refresh_from_db()
    return recording


def incomplete(message: str) -> ApiError:
    return ApiError(code="upload_incomplete", status_code=409, message=message)


def finish_multipart(recording: Recording) -> None:
    sizes = part_sizes(recording.size_bytes, limits().part_bytes)
    client = s3_client()
    pages = client.get_paginator("list_parts").paginate(
        Bucket=default_storage.bucket_name, Key=s3_key(recording.source_key),
        UploadId=recording.upload_id)
    parts = sorted((p for page in pages for p in page.get("Parts", [])),
                   key=lambda p: p["PartNumber"])
    if [p["PartNumber"] for p in parts] != list(range(1, len(sizes) + 1)):
        raise incomplete("Some parts are missing; ask for the upload status and send them.")
    if [p["Size"] for p in parts] != sizes:
        raise incomplete("A part has the wrong size; send it again.")
    client.complete_multipart_upload(
        Bucket=default_storage.bucket_name, Key=s3_key(recording.source_key),
        UploadId=recording.upload_id,
        MultipartUpload={"Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]}
                                   for p in parts]},
    )


def assemble_chunks(recording: Recording) -> None:
    sizes = part_sizes(recording.size_bytes, limits().part_bytes)
    folder = chunk_folder(recording)
    if stored_parts(recording) != set(range(1, len(sizes) + 1)):
        raise incomplete("Some chunks are missing; ask for the upload status and send them.")
    with tempfile.TemporaryFile() as whole:
        for number in range(1, len(sizes) + 1):
            with open(folder / f"{number}.part", "rb") as chunk:
                shutil.copyfileobj(chunk, whole, length=MIB)
        whole.seek(0)
        if default_storage.exists(recording.source_key):
            default_storage.delete(recording.source_key)
        default_storage.save(recording.source_key, File(whole))
    discard_chunks(recording)


def discard_chunks(recording: Recording) -> None:
    folder = chunk_folder(recording)
    if folder.exists():
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


def stored_video_problem(recording: Recording) -> tuple[str, str] | None:
    """None when the size equals what was declared and the file starts like an MP4/MOV;
    else the error code and message for the patient."""
    if not default_storage.exists(recording.source_key):
        raise incomplete("The video has not arrived yet; upload it, then complete.")
    size = default_storage.size(recording.source_key)
    if size != recording.size_bytes:
        return "size_mismatch", "The upload was incomplete; record or send it again."
    with default_storage.open(recording.source_key, "rb") as handle:
        head = handle.read(64)
    if head[MAGIC_OFFSET:MAGIC_OFFSET + len(MAGIC)] != MAGIC:
        return "not_a_video", "This file is not a video; record the bend again."
    return None


# --- Housekeeping -----------------------------------------------------------------------


def abort_stale_uploads() -> int:
    """Fail uploads left unfinished past their time and free their storage."""
    cutoff = timezone.now() - limits().stale_after
    count = 0
    for recording in Recording.objects.filter(status=JobStatus.PENDING, created_at__lt=cutoff):
        if recording.upload_mode == "multipart" and recording.upload_id:
            try:
                s3_client().abort_multipart_upload(
                    Bucket=default_storage.bucket_name, Key=s3_key(recording.source_key),
                    UploadId=recording.upload_id)
            except s3_client().exceptions.NoSuchUpload:
                pass
        elif recording.upload_mode == "chunked":
            discard_chunks(recording)
        if default_storage.exists(recording.source_key):
            default_storage.delete(recording.source_key)
        count += Recording.objects.filter(pk=recording.pk, status=JobStatus.PENDING).update(
            status=JobStatus.FAILED, error_code="upload_expired", finished_at=timezone.now(),
            error_message="The upload was not finished in time; record the bend again.")
    return count
