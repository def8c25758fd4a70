from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from assessments.admin import AccessLoggedAdmin
from exercises.models import Exercise, Programme, ProgrammeItem, ProgrammeVersion, SessionLog

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def _preview(exercise: Exercise, *, size: int) -> str:
    """A thumbnail of the image, or a small player for the video (storage URLs)."""
    if exercise.image and exercise.image.name.lower().endswith(IMAGE_EXTENSIONS):
        return format_html('<img src="{}" alt="" style="max-height:{}px;max-width:{}px">',
                           exercise.image.url, size, size * 2)
    if exercise.video:
        return format_html('<video src="{}" controls preload="metadata" '
                           'style="max-height:{}px"></video>', exercise.video.url, size * 2)
    return "-"


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "name", "slug", "direction", "category", "level",
                    "progression", "is_active"]
    list_display_links = ["name"]
    list_filter = ["direction", "category", "level", "is_active"]
    search_fields = ["name", "slug", "purpose"]
    autocomplete_fields = ["progression", "regression"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["media_preview"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "purpose", "is_active"]}),
        ("How to do it", {"fields": ["starting_position", "instructions", "equipment"]}),
        ("Media", {"fields": ["image", "video", "media_preview"]}),
        ("Classification", {"fields": ["direction", "category", "level", "progression",
                                       "regression"]}),
        ("Default dosage", {"fields": ["default_sets", "default_reps", "default_hold_seconds",
                                       "default_minutes", "default_sessions_per_week"]}),
        ("Safety and sources", {"fields": ["contraindications", "cautions", "references"]}),
    ]

    @admin.display(description="")
    def thumbnail(self, obj: Exercise) -> str:
        return _preview(obj, size=40)

    @admin.display(description="Preview")
    def media_preview(self, obj: Exercise) -> str:
        return _preview(obj, size=160)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ProgrammeItemInline(ReadOnlyInline):
    model = ProgrammeItem
    fields = ["order", "exercise", "sets", "reps", "hold_seconds", "minutes",
              "sessions_per_week", "rule"]


class ProgrammeVersionInline(ReadOnlyInline):
    model = ProgrammeVersion
    fields = ["number", "kind", "changed_by", "reason", "created_at"]
    ordering = ["-number"]


@admin.register(Programme)
class ProgrammeAdmin(AccessLoggedAdmin):
    """Read-only here: edits go through the API's service so every change is versioned."""

    list_display = ["patient", "phenotype", "confidence", "status", "needs_review", "level",
                    "version", "created_at"]
    list_filter = ["status", "phenotype", "needs_review"]
    search_fields = ["patient__user__email"]
    inlines = [ProgrammeItemInline, ProgrammeVersionInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SessionLog)
class SessionLogAdmin(AccessLoggedAdmin):
    list_display = ["patient", "performed_on", "pain_before", "pain_after", "difficulty"]
    list_filter = ["performed_on"]
    search_fields = ["patient__user__email"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
