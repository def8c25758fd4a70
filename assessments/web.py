"""The physiotherapist's pages (server-rendered, session login)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from assessments import dashboard, results
from assessments.audit import log_access, log_access_many
from assessments.models import Patient, Phenotype, Recording, RecordingRequest, Task
from assessments.selectors import patients_for_user, recordings_for_user
from backtracker_site.api.errors import ApiError
from backtracker_site.models import JobStatus
from exercises import services as exercise_services
from exercises.models import Exercise, Programme
from exercises.selectors import exercises_active


def staff_only(view):
    """Session login, physiotherapists and admins only; a refusal is logged with the
    patient the request aimed at (issue 18 row 5)."""

    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not (request.user.is_physiotherapist or request.user.is_admin):
            log_access(request, patient_id=aimed_at_patient(kwargs), action=view.__name__,
                       allowed=False, object_type="recording" if "recording_id" in kwargs
                       else "patient" if "patient_id" in kwargs else "",
                       object_id=kwargs.get("recording_id") or kwargs.get("patient_id"))
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def aimed_at_patient(kwargs: dict[str, Any]) -> UUID | None:
    """The patient whose data a dashboard URL names (a recording's real owner)."""
    if "recording_id" in kwargs:
        return Recording.objects.filter(pk=kwargs["recording_id"]) \
            .values_list("patient_id", flat=True).first()
    return kwargs.get("patient_id")


def patient_for(request: HttpRequest, patient_id: UUID, action: str, *,
                object_type: str = "", object_id: object = "") -> Patient:
    """The patient if this user may see them, else 404; both outcomes are logged."""
    patient = patients_for_user(request.user).filter(pk=patient_id).first()
    log_access(request, patient_id=patient_id, action=action, allowed=patient is not None,
               object_type=object_type, object_id=object_id)
    if patient is None:
        raise Http404
    return patient


@staff_only
def caseload(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    sort = request.GET.get("sort", "attention")
    flag = request.GET.get("flag", "")
    flag = flag if flag in dashboard.FLAGS else ""
    patients = dashboard.caseload(request.user, search=search, sort=sort, flag=flag)
    page = Paginator(patients, 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read once: logged, then shown
    log_access_many(request, patient_ids=[p.pk for p in page.object_list], action="caseload",
                    object_type="patient")
    return render(request, "assessments/caseload.html",
                  {"page": page, "search": search, "sort": sort, "sorts": dashboard.SORTS,
                   "flag": flag, "flag_label": dashboard.FLAGS.get(flag, ""),
                   "flags": dashboard.FLAGS})


def render_patient(request: HttpRequest, patient: Patient, *,
                   programme_form: ProgrammeForm | None = None, status: int = 200
                   ) -> HttpResponse:
    context = dashboard.patient_page(patient)
    panel = context["programme"]
    if programme_form is None and panel is not None:
        programme_form = ProgrammeForm(panel.programme)
    context.update(phenotypes=Phenotype.choices, tasks=Task.choices,
                   programme_form=programme_form)
    return render(request, "assessments/patient.html", context, status=status)


@staff_only
def patient_detail(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    return render_patient(request, patient_for(request, patient_id, "view patient"))


@staff_only
def recording_video(request: HttpRequest, recording_id: UUID) -> HttpResponse:
    """The source video, after authorization: a short-lived signed URL or a stream."""
    recording = recordings_for_user(request.user).filter(pk=recording_id).first()
    log_access(request, patient_id=recording.patient_id if recording
               else aimed_at_patient({"recording_id": recording_id}),
               action="view video", allowed=recording is not None,
               object_type="recording", object_id=recording_id)
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


# --- Programmes ---------------------------------------------------------------------------

DOSE_LIMITS = {"sets": (1, 20), "reps": (1, 100), "hold_seconds": (0, 600), "minutes": (0, 240),
               "sessions_per_week": (1, 7)}  # the same bounds as the programme API
DAYS = list(enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]))


class ProgrammeForm(forms.Form):
    """A physiotherapist's edit: each exercise's dose or its removal, one exercise to add,
    the training days and notes, and why (kept in the programme's history)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    add = forms.ModelChoiceField(queryset=Exercise.objects.none(), required=False,
                                 label="Add an exercise", empty_label="(none)")
    schedule_days = forms.TypedMultipleChoiceField(choices=DAYS, coerce=int,
                                                   widget=forms.CheckboxSelectMultiple,
                                                   label="Training days")
    notes = forms.CharField(max_length=4000, required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(max_length=1000, label="Reason for the change")

    def __init__(self, programme: Programme, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"version": programme.version,
                                      "schedule_days": programme.schedule_days,
                                      "notes": programme.notes})
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.items = list(programme.items.all())  # prefetched with their exercises
        for item in self.items:
            slug = item.exercise.slug
            for name, (low, high) in DOSE_LIMITS.items():
                label = f"{item.exercise.name}: {name.replace('_', ' ')}"
                self.fields[f"{slug}.{name}"] = forms.IntegerField(
                    min_value=low, max_value=high, initial=getattr(item, name), label=label,
                    widget=forms.NumberInput(attrs={"aria-label": label}))
            self.fields[f"{slug}.remove"] = forms.BooleanField(
                required=False, label=f"Remove {item.exercise.name}",
                widget=forms.CheckboxInput(attrs={"aria-label": f"Remove {item.exercise.name}"}))
        self.fields["add"].queryset = exercises_active().exclude(
            pk__in=[item.exercise_id for item in self.items]).order_by("direction", "name")

    def rows(self) -> list[dict[str, Any]]:
        """Per exercise: its item, its dose fields and its remove box (for the template)."""
        return [{"item": item,
                 "dose": [self[f"{item.exercise.slug}.{name}"] for name in DOSE_LIMITS],
                 "remove": self[f"{item.exercise.slug}.remove"]}
                for item in self.items]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kept = [i for i in self.items if not data.get(f"{i.exercise.slug}.remove")]
        if not kept and not data.get("add"):
            raise forms.ValidationError("A programme needs at least one exercise.")
        return data

    def changes(self) -> dict[str, Any]:
        """Keyword arguments for exercises.services.programme_update."""
        data = self.cleaned_data
        items = [{"exercise": item.exercise,
                  **{name: data[f"{item.exercise.slug}.{name}"] for name in DOSE_LIMITS}}
                 for item in self.items if not data[f"{item.exercise.slug}.remove"]]
        if data["add"] is not None:
            items.append({"exercise": data["add"]})  # with the library's default dose
        return {"items": items, "schedule_days": data["schedule_days"],
                "notes": data["notes"], "reason": data["reason"]}


def programme_of(patient: Patient, programme_id: UUID) -> Programme:
    return get_object_or_404(
        patient.programmes.prefetch_related("items__exercise"), pk=programme_id)


def patient_url(patient: Patient, anchor: str = "") -> str:
    return reverse("dashboard-patient", args=[patient.pk]) + (f"#{anchor}" if anchor else "")


def stale(request: HttpRequest, programme: Programme) -> bool:
    """Whether the form was made from an older version (someone changed it meanwhile)."""
    if request.POST.get("version") == str(programme.version):
        return False
    messages.error(request, "The programme changed since you opened the page; "
                            "this is the current version.")
    return True


@staff_only
@require_POST
def programme_edit(request: HttpRequest, patient_id: UUID, programme_id: UUID) -> HttpResponse:
    patient = patient_for(request, patient_id, "edit programme", object_type="programme",
                          object_id=programme_id)
    programme = programme_of(patient, programme_id)
    if stale(request, programme):
        return redirect(patient_url(patient, "programme"))
    form = ProgrammeForm(programme, request.POST)
    if not form.is_valid():
        return render_patient(request, patient, programme_form=form, status=400)
    try:
        exercise_services.programme_update(programme=programme, by=request.user,
                                           **form.changes())
        messages.success(request, "Programme saved as a new version.")
    except ApiError as exc:
        messages.error(request, str(exc.detail))
    return redirect(patient_url(patient, "programme"))


@staff_only
@require_POST
def programme_approve(request: HttpRequest, patient_id: UUID, programme_id: UUID
                      ) -> HttpResponse:
    patient = patient_for(request, patient_id, "approve programme", object_type="programme",
                          object_id=programme_id)
    programme = programme_of(patient, programme_id)
    if stale(request, programme):
        return redirect(patient_url(patient, "programme"))
    try:
        exercise_services.programme_approve(programme=programme, by=request.user,
                                            reason=request.POST.get("reason", "")[:1000])
        messages.success(request, "Programme approved; the patient sees it now.")
    except ApiError as exc:
        messages.error(request, str(exc.detail))
    return redirect(patient_url(patient, "programme"))


@staff_only
@require_POST
def programme_generate(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    """A new programme for the phenotype the physiotherapist chose (after an override)."""
    patient = patient_for(request, patient_id, "generate programme")
    assessment = patient.assessments.first()
    phenotype = request.POST.get("phenotype", "")
    if assessment is None or assessment.status != JobStatus.DONE or not assessment.phenotype \
            or phenotype not in Phenotype.values:
        messages.error(request, "A programme needs a classified assessment.")
        return redirect(patient_url(patient, "programme"))
    # The classifier's probability of the chosen phenotype: its confidence sets the status.
    probability = assessment.probability if phenotype == assessment.phenotype \
        else 1 - assessment.probability
    exercise_services.programme_create_for_result(
        patient=patient, phenotype=phenotype, probability=probability, created_by=request.user)
    messages.success(request, "A new programme was generated; review and approve it.")
    return redirect(patient_url(patient, "programme"))


urlpatterns = [
    path("", caseload, name="dashboard"),
    path("patients/<uuid:patient_id>/", patient_detail, name="dashboard-patient"),
    path("patients/<uuid:patient_id>/review", review, name="dashboard-review"),
    path("patients/<uuid:patient_id>/request-recording", request_recording,
         name="dashboard-request-recording"),
    path("patients/<uuid:patient_id>/programmes/new", programme_generate,
         name="dashboard-programme-generate"),
    path("patients/<uuid:patient_id>/programmes/<uuid:programme_id>/edit", programme_edit,
         name="dashboard-programme-edit"),
    path("patients/<uuid:patient_id>/programmes/<uuid:programme_id>/approve",
         programme_approve, name="dashboard-programme-approve"),
    path("recordings/<uuid:recording_id>/video", recording_video, name="dashboard-video"),
]
