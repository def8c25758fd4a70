from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from rest_framework_simplejwt.token_blacklist.admin import OutstandingTokenAdmin
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from assessments.audit import log_access, log_access_many
from assessments.models import (
    AccessEvent,
    Assessment,
    ClinicSettings,
    Consent,
    ConsentDocument,
    DataExport,
    Instrument,
    Patient,
    PhenotypeLabel,
    PromScore,
    Recording,
    User,
)

JOB_FIELDS = ["status", "stage", "percent", "attempts", "error_code", "error_message",
              "queued_at", "started_at", "finished_at"]


class AccessLoggedAdmin(admin.ModelAdmin):
    """An admin page over patient data: every object opened and every list page is written
    to the access log, like the API and the dashboard (issue 18 row 5).

    ``access_patient_path`` is the lookup from a row to its Patient ("" for the Patient).
    """

    access_patient_path = "patient"

    def patient_id_of(self, obj) -> object:
        if not self.access_patient_path:
            return obj.pk
        *steps, last = self.access_patient_path.split("__")
        for step in steps:
            obj = getattr(obj, step, None)
            if obj is None:
                return None
        return getattr(obj, obj._meta.get_field(last).attname, None)

    def access_action(self, request, what: str) -> str:
        return f"admin {request.method} {self.model._meta.model_name} {what}"

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        log_access(request, patient_id=self.patient_id_of(obj) if obj is not None else None,
                   action=self.access_action(request, "object"), allowed=obj is not None,
                   object_type=self.model._meta.model_name, object_id=object_id)
        return obj

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        patient_ids = [pid for pid in map(self.patient_id_of, changelist.result_list) if pid]
        log_access_many(request, patient_ids=patient_ids,
                        action=self.access_action(request, "list"),
                        object_type=self.model._meta.model_name)
        return changelist


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """The access log, read-only: who looked at which patient's data, and refusals."""

    list_display = ["at", "role", "actor_id", "action", "object_type", "patient_id",
                    "outcome", "ip_address"]
    list_filter = ["outcome", "role", "object_type"]
    search_fields = ["=patient_id", "=actor__email", "=object_id", "=request_id"]
    date_hierarchy = "at"
    list_select_related = False
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RedactedOutstandingTokenAdmin(OutstandingTokenAdmin):
    """Outstanding refresh tokens by jti, user and expiry; the token itself is never shown."""

    exclude = ["token"]

    def get_readonly_fields(self, *args, **kwargs) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.name != "token"]


admin.site.unregister(OutstandingToken)
admin.site.register(OutstandingToken, RedactedOutstandingTokenAdmin)


@admin.register(User)
class UserAdmin(AccessLoggedAdmin, DjangoUserAdmin):
    access_patient_path = "patient__id"  # patients' accounts; staff have none
    list_select_related = ["patient"]
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "role"]}),
        ("Status", {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"],
                "fields": ["email", "role", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    fields = ["purpose", "document", "channel", "granted_at", "withdrawn_at"]
    readonly_fields = ["granted_at"]


@admin.register(Patient)
class PatientAdmin(AccessLoggedAdmin):
    access_patient_path = ""
    list_display = ["__str__", "physiotherapist", "year_of_birth", "sex", "created_at"]
    list_filter = ["physiotherapist", "sex"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    inlines = [ConsentInline]


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(admin.ModelAdmin):
    list_display = ["purpose", "version", "published_at", "text_sha256"]
    readonly_fields = ["text_sha256"]


@admin.register(DataExport)
class DataExportAdmin(AccessLoggedAdmin):
    list_display = ["id", "patient", "status", "queued_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = ["file_key", *JOB_FIELDS]


@admin.register(Recording)
class RecordingAdmin(AccessLoggedAdmin):
    list_display = ["id", "patient", "task", "status", "percent", "created_at"]
    list_filter = ["task", "status"]
    search_fields = ["patient__user__email", "patient__external_ref"]
    readonly_fields = ["source_key", "size_bytes", *JOB_FIELDS]


@admin.register(PhenotypeLabel)
class PhenotypeLabelAdmin(AccessLoggedAdmin):
    list_display = ["patient", "phenotype", "source", "labelled_by", "created_at"]
    list_filter = ["phenotype", "source"]


@admin.register(PromScore)
class PromScoreAdmin(AccessLoggedAdmin):
    list_display = ["patient", "instrument", "total", "band", "source", "recorded_at"]
    list_filter = ["instrument", "source"]


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    """Structure and scoring as JSON; wording is loaded from the clinic's licensed file
    (here, or with `manage.py load_prom_wording FILE`)."""

    list_display = ["code", "version", "is_current", "has_wording"]
    list_filter = ["is_current"]

    @admin.display(boolean=True, description="licensed wording loaded")
    def has_wording(self, instrument: Instrument) -> bool:
        return bool(instrument.wording)


@admin.register(Assessment)
class AssessmentAdmin(AccessLoggedAdmin):
    list_display = ["id", "patient", "status", "phenotype", "probability", "review",
                    "model_version", "created_at"]
    list_filter = ["status", "phenotype", "review"]
    search_fields = ["patient__user__email", "patient__external_ref"]
    readonly_fields = ["forward", "backward", "needs", "phenotype", "probability",
                       "model_version", "mask_scores", "reviewed_by", *JOB_FIELDS]


@admin.register(ClinicSettings)
class ClinicSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "results_need_review", "confidence_threshold"]

    def has_add_permission(self, request) -> bool:
        return not ClinicSettings.objects.exists()  # one row only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
