from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from rest_framework_simplejwt.token_blacklist.admin import OutstandingTokenAdmin
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from assessments.models import (
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


class RedactedOutstandingTokenAdmin(OutstandingTokenAdmin):
    """Outstanding refresh tokens by jti, user and expiry; the token itself is never shown."""

    exclude = ["token"]

    def get_readonly_fields(self, *args, **kwargs) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.name != "token"]


admin.site.unregister(OutstandingToken)
admin.site.register(OutstandingToken, RedactedOutstandingTokenAdmin)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
class PatientAdmin(admin.ModelAdmin):
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
class DataExportAdmin(admin.ModelAdmin):
    list_display = ["id", "patient", "status", "queued_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = ["file_key", *JOB_FIELDS]


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    list_display = ["id", "patient", "task", "status", "percent", "created_at"]
    list_filter = ["task", "status"]
    search_fields = ["patient__user__email", "patient__external_ref"]
    readonly_fields = ["source_key", "size_bytes", *JOB_FIELDS]


@admin.register(PhenotypeLabel)
class PhenotypeLabelAdmin(admin.ModelAdmin):
    list_display = ["patient", "phenotype", "source", "labelled_by", "created_at"]
    list_filter = ["phenotype", "source"]


@admin.register(PromScore)
class PromScoreAdmin(admin.ModelAdmin):
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
class AssessmentAdmin(admin.ModelAdmin):
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
