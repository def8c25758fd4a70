"""Erasing a patient (GDPR Art. 17): database rows, every stored object version, uploads.

Everything a patient owns hangs off their Patient row by CASCADE foreign keys (a test
walks every model to keep it so) and every object they own is stored under
``patients/<id>/`` (storage_keys), so erasure is: end their sessions at once, then in
the background purge the storage prefix (all versions, delete markers and unfinished
multipart uploads), delete the user with everything cascading from it, purge the prefix
again, and sweep it once more later in case a job that was already running wrote a
derivative after the purge. The access log keeps its entries: they hold IDs, not
personal data, and are the clinic's record of who looked at what.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from uuid import UUID

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from assessments.auth import revoke_all_refresh_tokens
from assessments.models import Erasure, Patient, Recording, User
from assessments.storage_keys import patient_prefix
from assessments.uploads import chunk_folder, s3_client, s3_key, uses_s3
from backtracker_site.jobs import (
    TransientStorageError,
    enqueue_on_commit,
    job_claim,
    job_fail,
    job_finish,
    job_progress,
    job_release,
)
from backtracker_site.models import JobStatus

logger = logging.getLogger(__name__)

S3_DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys


@dataclass
class Purged:
    objects: int = 0
    uploads: int = 0

    def __add__(self, other: Purged) -> Purged:
        return Purged(self.objects + other.objects, self.uploads + other.uploads)


def erasure_request(*, patient: Patient, requested_by: User) -> Erasure:
    """Lock the account now and queue the erasure; asking twice gives the same request."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=patient.user_id)
        pending = Erasure.objects.filter(
            patient_ref=patient.pk, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).first()
        if pending:
            return pending
        erasure = Erasure.objects.create(patient_ref=patient.pk,
                                         requested_by_role=requested_by.role,
                                         notify_email=user.email)
        user.is_active = False  # access tokens stop working at once, refresh tokens too
        user.save(update_fields=["is_active"])
        revoke_all_refresh_tokens(user.pk)
        enqueue_on_commit(erasure)
    return erasure


def erasure_execute(*, erasure_id: UUID | str) -> None:
    """Carry out an erasure exactly once; every step can be repeated after a crash."""
    if not job_claim(Erasure, erasure_id):
        return
    erasure = Erasure.objects.get(pk=erasure_id)
    prefix = patient_prefix(erasure.patient_ref)
    try:
        job_progress(Erasure, erasure_id, stage="removing stored files", percent=10)
        purged = purge_local_chunks(erasure.patient_ref) + purge_stored_objects(prefix)
        job_progress(Erasure, erasure_id, stage="removing records", percent=60)
        rows = delete_patient_rows(erasure.patient_ref)
        if rows:  # kept at once: a retry after this point finds nothing left to count
            Erasure.objects.filter(pk=erasure_id).update(rows_removed=rows)
        purged += purge_stored_objects(prefix)
    except TransientStorageError:
        job_release(Erasure, erasure_id)
        raise
    except Exception:
        job_fail(Erasure, erasure_id, code="erasure_failed",
                 message="The erasure stopped with an error; an administrator must look at it.")
        raise
    notify_erased(erasure.notify_email)
    job_finish(Erasure, erasure_id, notify_email="", objects_removed=purged.objects,
               uploads_aborted=purged.uploads)
    logger.info("erasure %s done: %d rows, %d objects, %d uploads", erasure_id, rows,
                purged.objects, purged.uploads)


def delete_patient_rows(patient_id: UUID) -> int:
    """Delete the patient's user; every row of theirs cascades from it."""
    patient = Patient.objects.select_related("user").filter(pk=patient_id).first()
    if patient is None:  # a retry after this step had already run
        return 0
    email = patient.user.email
    with transaction.atomic():
        removed, _ = patient.user.delete()
        # django-axes keeps sign-in attempts by e-mail address and IP.
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            removed += model.objects.filter(username=email).delete()[0]
    return removed


def purge_local_chunks(patient_id: UUID) -> Purged:
    """Chunks of unfinished local uploads live outside the patient's prefix."""
    purged = Purged()
    for recording_id in Recording.objects.filter(patient_id=patient_id).values_list("pk",
                                                                                     flat=True):
        folder = chunk_folder(Recording(pk=recording_id))
        if folder.exists():
            shutil.rmtree(folder)
            purged.uploads += 1
    return purged


def purge_stored_objects(prefix: str) -> Purged:
    """Remove everything under a storage prefix, including old versions and uploads."""
    try:
        return purge_s3_prefix(prefix) if uses_s3() else purge_local_prefix(prefix)
    except (OSError, BotoCoreError, ClientError) as exc:
        raise TransientStorageError(f"could not purge {prefix}") from exc


def purge_local_prefix(prefix: str) -> Purged:
    folder = Path(default_storage.path(prefix))
    if not folder.exists():
        return Purged()
    count = sum(1 for path in folder.rglob("*") if path.is_file())
    shutil.rmtree(folder)
    return Purged(objects=count)


def purge_s3_prefix(prefix: str) -> Purged:
    """Abort unfinished multipart uploads, then delete every version and delete marker."""
    client, bucket, key_prefix = s3_client(), default_storage.bucket_name, s3_key(prefix)
    purged = Purged()
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket,
                                                                         Prefix=key_prefix):
        for upload in page.get("Uploads", []):
            client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"],
                                          UploadId=upload["UploadId"])
            purged.uploads += 1
    doomed = [
        {"Key": item["Key"], "VersionId": item["VersionId"]}
        for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket,
                                                                           Prefix=key_prefix)
        for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
    ]
    for start in range(0, len(doomed), S3_DELETE_BATCH):
        batch = doomed[start:start + S3_DELETE_BATCH]
        answer = client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        if answer.get("Errors"):
            raise TransientStorageError(f"S3 refused to delete {len(answer['Errors'])} objects")
        purged.objects += len(batch)
    return purged


def notify_erased(address: str) -> None:
    if not address:
        return
    try:
        send_mail("Your BackTracker data has been erased",
                  "As you asked, everything BackTracker stored about you (account, "
                  "recordings, questionnaires, results and programmes) has been erased.",
                  None, [address])
    except OSError:  # the erasure stands even if the confirmation cannot be sent
        logger.warning("erasure confirmation could not be sent")


def erasures_sweep_recent() -> int:
    """Purge the prefixes of recent erasures again (a running video job may have written).

    Runs from the periodic housekeeping; the window outlasts the longest video job.
    """
    window = timedelta(seconds=settings.VIDEO_TASK_TIME_LIMIT * 2)
    removed = 0
    for patient_id in Erasure.objects.filter(
            status=JobStatus.DONE, finished_at__gte=timezone.now() - window,
    ).values_list("patient_ref", flat=True):
        removed += purge_stored_objects(patient_prefix(patient_id)).objects
    return removed
