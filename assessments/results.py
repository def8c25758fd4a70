"""The assessment flow: recordings analysed -> classification queued -> result -> review.

A quality check that fails never loses work: the assessment stays open with a plain
list of what to record again, keeping the other recording and the questionnaire answers.
"""

from __future__ import annotations

from uuid import UUID

from django.db import transaction
from django.db.models import Q

from assessments.models import Assessment, ClinicSettings, Patient, PhenotypeLabel, Recording, User
from backtracker_site.api.errors import ApiError
from backtracker_site.jobs import enqueue_on_commit
from backtracker_site.models import JobStatus

TASK_NAMES = {"forward": "forward bend", "backward": "backward bend"}


def recording_needs(task: str, recording: Recording | None) -> list[dict[str, str]]:
    """What the patient must still do for one task; [] when it is ready."""
    name = TASK_NAMES[task]
    if recording is None:
        return [{"task": task, "code": "missing", "message": f"Record the {name}."}]
    if recording.status == JobStatus.FAILED:
        return [{"task": task, "code": recording.error_code or "failed",
                 "message": f"Record the {name} again: {recording.error_message}"}]
    if recording.status != JobStatus.DONE:
        return []  # still uploading or being analysed: nothing to do but wait
    from mlpipeline.selectors import feature_set_for_display

    features = feature_set_for_display(recording)  # the current pipeline's analysis
    if features is None or features.qc_ok:
        return []
    return [{"task": task, "code": issue["code"],
             "message": f"Record the {name} again: {issue['message']}"}
            for issue in features.qc_issues]


def recordings_ready(assessment: Assessment) -> bool:
    recordings = [assessment.forward, assessment.backward]
    return all(r is not None and r.status == JobStatus.DONE for r in recordings)


@transaction.atomic
def assessment_advance(*, assessment_id: UUID | str) -> Assessment:
    """Update what the patient must do, and queue classification once both are ready."""
    assessment = (Assessment.objects.select_for_update(of=("self",))
                  .select_related("forward", "backward").get(pk=assessment_id))
    if assessment.status != JobStatus.PENDING:
        return assessment
    needs = (recording_needs("forward", assessment.forward)
             + recording_needs("backward", assessment.backward))
    assessment.needs = needs
    fields = ["needs"]
    if not needs and recordings_ready(assessment):
        assessment.status = JobStatus.QUEUED
        assessment.stage = "queued"
        fields += ["status", "stage"]
        enqueue_on_commit(assessment)
    assessment.save(update_fields=fields)
    return assessment


def assessments_advance_for_recording(recording_id: UUID | str) -> None:
    """Called when a recording's analysis ends (done or failed)."""
    waiting = Assessment.objects.filter(Q(forward_id=recording_id) | Q(backward_id=recording_id),
                                        status=JobStatus.PENDING)
    for assessment_id in waiting.values_list("pk", flat=True):
        assessment_advance(assessment_id=assessment_id)


def own_recording(patient: Patient, recording_id: UUID | None, task: str) -> Recording | None:
    if recording_id is None:
        return None
    recording = Recording.objects.filter(pk=recording_id, patient=patient).first()
    if recording is None:  # unknown or somebody else's: the same answer
        raise ApiError(code="unknown_recording", message="No such recording of yours.")
    if recording.task != task:
        raise ApiError(code="wrong_task",
                       message=f"That recording is a {TASK_NAMES[recording.task]}, "
                               f"not a {TASK_NAMES[task]}.")
    return recording


def assessment_create(*, patient: Patient, forward_id: UUID | None, backward_id: UUID | None,
                      use_proms: bool = True) -> Assessment:
    assessment = Assessment.objects.create(
        patient=patient, status=JobStatus.PENDING, use_proms=use_proms,
        forward=own_recording(patient, forward_id, "forward"),
        backward=own_recording(patient, backward_id, "backward"),
    )
    return assessment_advance(assessment_id=assessment.pk)


def assessment_replace_recording(*, assessment: Assessment, task: str,
                                 recording_id: UUID) -> Assessment:
    """Swap in a new recording of one task (after a failed quality check)."""
    if assessment.status != JobStatus.PENDING:
        raise ApiError(code="already_classified", status_code=409,
                       message="This assessment is complete; start a new one instead.")
    setattr(assessment, task, own_recording(assessment.patient, recording_id, task))
    assessment.save(update_fields=[task])
    return assessment_advance(assessment_id=assessment.pk)


def review_after_classification(probability: float) -> str:
    """Does a new result wait for the physiotherapist before the patient sees it?"""
    settings = ClinicSettings.current()
    if probability < settings.confidence_threshold or settings.results_need_review:
        return Assessment.Review.AWAITING
    return Assessment.Review.NOT_REQUIRED


@transaction.atomic
def assessment_review(*, assessment: Assessment, physiotherapist: User, phenotype: str,
                      reason: str = "") -> Assessment:
    """Confirm or override a classification; the label is what retraining learns from."""
    if assessment.status != JobStatus.DONE or not assessment.phenotype:
        raise ApiError(code="nothing_to_review", status_code=409,
                       message="This assessment has no classification to review yet.")
    overridden = phenotype != assessment.phenotype
    if overridden and not reason.strip():
        raise ApiError(code="reason_required",
                       message="Say why you change the classification.")
    assessment.review = (Assessment.Review.OVERRIDDEN if overridden
                         else Assessment.Review.CONFIRMED)
    assessment.reviewed_by = physiotherapist
    assessment.save(update_fields=["review", "reviewed_by"])
    PhenotypeLabel.objects.create(patient=assessment.patient, phenotype=phenotype,
                                  source=PhenotypeLabel.Source.PHYSIOTHERAPIST,
                                  labelled_by=physiotherapist, reason=reason)
    return assessment
