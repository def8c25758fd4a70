"""The physiotherapist's pages (server-rendered, session login)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from assessments import dashboard, results
from assessments.audit import log_access
from assessments.models import Patient, Phenotype, RecordingRequest, Task
from assessments.selectors import patients_for_user, recordings_for_user
from backtracker_site.api.errors import ApiError


def staff_only(view):
    """Session login, physiotherapists and admins only."""

    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not (request.user.is_physiotherapist or request.user.is_admin):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def patient_for(request: HttpRequest, patient_id: UUID, action: str) -> Patient:
    """The patient if this user may see them, else 404; both outcomes are logged."""
    patient = patients_for_user(request.user).filter(pk=patient_id).first()
    log_access(request, patient_id=patient_id, action=action, allowed=patient is not None)
    if patient is None:
        raise Http404
    return patient


@staff_only
def caseload(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    sort = request.GET.get("sort", "attention")
    patients = dashboard.caseload(request.user, search=search, sort=sort)
    page = Paginator(patients, 50).get_page(request.GET.get("page"))
    log_access(request, patient_id=None, action="caseload", allowed=True)
    return render(request, "assessments/caseload.html",
                  {"page": page, "search": search, "sort": sort, "sorts": dashboard.SORTS})


@staff_only
def patient_detail(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    patient = patient_for(request, patient_id, "view patient")
    context = dashboard.patient_page(patient)
    context.update(phenotypes=Phenotype.choices, tasks=Task.choices)
    return render(request, "assessments/patient.html", context)


@staff_only
def recording_video(request: HttpRequest, recording_id: UUID) -> HttpResponse:
    """The source video, after authorization: a short-lived signed URL or a stream."""
    recording = recordings_for_user(request.user).filter(pk=recording_id).first()
    log_access(request, patient_id=recording.patient_id if recording else None,
               action="view video", allowed=recording is not None)
    if recording is None:
        raise Http404
    if isinstance(default_storage, FileSystemStorage):
        response = FileResponse(default_storage.open(recording.source_key, "rb"),
                                content_type=recording.content_type)
    else:
        response = HttpResponseRedirect(default_storage.url(recording.source_key))
    response["Cache-Control"] = "no-store"
    return response


@staff_only
@require_POST
def review(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    patient = patient_for(request, patient_id, "review classification")
    assessment = patient.assessments.first()
    if assessment is None:
        raise Http404
    try:
        results.assessment_review(assessment=assessment, physiotherapist=request.user,
                                  phenotype=request.POST.get("phenotype", ""),
                                  reason=request.POST.get("reason", ""))
        messages.success(request, "Classification saved; it will be used for retraining.")
    except ApiError as exc:
        messages.error(request, str(exc.detail))
    return redirect(reverse("dashboard-patient", args=[patient.pk]))


@staff_only
@require_POST
def request_recording(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    patient = patient_for(request, patient_id, "request re-recording")
    task = request.POST.get("task", "")
    if task not in Task.values:
        messages.error(request, "Choose which bend to record again.")
    else:
        RecordingRequest.objects.create(
            patient=patient, task=task, requested_by=request.user,
            message=request.POST.get("message", "").strip()[:500]
            or f"Please record the {Task(task).label.lower()} again.")
        messages.success(request, "The patient will be asked to record it again.")
    return redirect(reverse("dashboard-patient", args=[patient.pk]))


urlpatterns = [
    path("", caseload, name="dashboard"),
    path("patients/<uuid:patient_id>/", patient_detail, name="dashboard-patient"),
    path("patients/<uuid:patient_id>/review", review, name="dashboard-review"),
    path("patients/<uuid:patient_id>/request-recording", request_recording,
         name="dashboard-request-recording"),
    path("recordings/<uuid:recording_id>/video", recording_video, name="dashboard-video"),
]
