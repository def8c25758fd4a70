"""Retraining, model versions, promotion and rollback in the Django admin."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from backtracker_site.api.errors import ApiError
from classifier.models import ModelVersion, Promotion, TrainingRun
from classifier.registry import model_version_promote, model_version_rollback
from classifier.training import training_run_start

METRICS = ["accuracy", "sensitivity", "specificity", "f1", "auc", "mcc"]


def metrics_table(report: dict) -> str:
    macro = report.get("macro", {})
    if not macro:
        return "-"
    def number(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    rows = format_html_join(
        "", "<tr><th>{}</th><td>{}</td><td>{} to {}</td></tr>",
        ((name, number(macro[name]["mean"]), number(macro[name]["ci95"][0]),
          number(macro[name]["ci95"][1])) for name in METRICS if name in macro),
    )
    return format_html("<table><tr><th></th><th>mean</th><th>95% CI</th></tr>{}</table>", rows)


class RetrainForm(forms.Form):
    task = forms.ChoiceField(choices=[("backward", "backward bend"), ("forward", "forward bend"),
                                      ("both", "both bends")], initial="backward")
    masks = forms.IntegerField(min_value=1, max_value=640, initial=80, label="K masks")
    folds = forms.IntegerField(min_value=2, max_value=10, initial=5)
    streams = forms.MultipleChoiceField(
        choices=[("images", "back masks"), ("motion", "motion features"), ("proms", "PROMs"),
                 ("curvature", "spinal curvature (outline)")],
        required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty for the profile's streams (curvature: the curvature stream; "
                  "quick and paper: back masks).")
    profile = forms.ChoiceField(choices=[("curvature", "curvature (default, CPU, seconds)"),
                                         ("quick", "quick (back masks, CPU, minutes)"),
                                         ("paper", "paper (200 epochs, GPU worker)")])
    epochs = forms.IntegerField(min_value=1, max_value=1000, required=False,
                                help_text="Leave empty for the profile's number of epochs.")
    promote = forms.BooleanField(required=False, label="Promote when done",
                                 help_text="Refused automatically if its CV accuracy is lower "
                                           "than the active model's.")


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = ["queued_at", "status", "stage", "percent", "model_version", "requested_by"]
    readonly_fields = ["status", "stage", "percent", "config", "requested_by", "queued_at",
                       "started_at", "finished_at", "error_message", "model_version",
                       "metrics", "roc"]
    exclude = ["report", "roc_key", "slot", "claimed_by", "attempts", "error_code"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # runs start from "Retrain"

    def get_urls(self):
        return [path("retrain/", self.admin_site.admin_view(self.retrain),
                     name="classifier_trainingrun_retrain"),
                path("<uuid:run_id>/roc.png", self.admin_site.admin_view(self.roc_image),
                     name="classifier_trainingrun_roc"),
                *super().get_urls()]

    def retrain(self, request: HttpRequest) -> HttpResponse:
        """Start a run on every physio-labelled, consenting patient."""
        form = RetrainForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                run = training_run_start(options=form.cleaned_data, user=request.user)
            except ApiError as exc:
                messages.error(request, str(exc.detail))
                return redirect("admin:classifier_trainingrun_changelist")
            messages.success(request, "Training queued; this page shows its progress.")
            return redirect("admin:classifier_trainingrun_change", run.pk)
        return render(request, "admin/classifier/retrain.html",
                      {**self.admin_site.each_context(request), "form": form,
                       "title": "Retrain the classifier"})

    def roc_image(self, request: HttpRequest, run_id) -> FileResponse:
        run = TrainingRun.objects.filter(pk=run_id).first()
        if run is None or not run.roc_key:
            raise Http404
        return FileResponse(default_storage.open(run.roc_key, "rb"), content_type="image/png")

    @admin.display(description="cross-validation")
    def metrics(self, run: TrainingRun) -> str:
        return metrics_table(run.report)

    @admin.display(description="mean ROC curve")
    def roc(self, run: TrainingRun) -> str:
        if not run.roc_key:
            return "-"
        url = reverse("admin:classifier_trainingrun_roc", args=[run.pk])
        return format_html('<img src="{}" alt="ROC curve" width="420">', url)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = TrainingRun.objects.filter(pk=object_id).first()
        live = run is not None and run.status in ("queued", "running")
        return super().change_view(request, object_id, form_url,
                                   {**(extra_context or {}), "refresh_seconds": 5 if live else 0})


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["number", "task", "cv_accuracy", "is_active", "created_at", "code_version",
                    "pipeline_version"]
    readonly_fields = ["number", "task", "cv_accuracy", "is_active", "onnx_sha256",
                       "code_version", "pipeline_version", "created_at", "metrics", "patients"]
    exclude = ["onnx_key", "config", "manifest", "report"]
    actions = ["promote", "force_promote", "roll_back"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="cross-validation")
    def metrics(self, version: ModelVersion) -> str:
        return metrics_table(version.report)

    @admin.display(description="training patients")
    def patients(self, version: ModelVersion) -> int:
        return len(version.manifest.get("patients", []))

    def _promote(self, request, queryset, force: bool) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one version.", messages.ERROR)
            return
        try:
            version = model_version_promote(version=queryset.get(), user=request.user,
                                            force=force)
            self.message_user(request, f"v{version.number} is now active.")
        except ApiError as exc:
            self.message_user(request, str(exc.detail), messages.ERROR)

    @admin.action(description="Promote (refused if its CV accuracy is lower)")
    def promote(self, request, queryset) -> None:
        self._promote(request, queryset, force=False)

    @admin.action(description="Promote even if worse")
    def force_promote(self, request, queryset) -> None:
        self._promote(request, queryset, force=True)

    @admin.action(description="Roll back to the previously active version")
    def roll_back(self, request, queryset) -> None:
        try:
            version = model_version_rollback(user=request.user)
            self.message_user(request, f"Rolled back: v{version.number} is active again.")
        except ApiError as exc:
            self.message_user(request, str(exc.detail), messages.ERROR)


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "version", "promoted_by", "forced", "reason"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
