from django.contrib import admin

from mlpipeline.models import FeatureSet


@admin.register(FeatureSet)
class FeatureSetAdmin(admin.ModelAdmin):
    list_display = ["recording", "pipeline_version", "qc_ok", "mask_count", "created_at"]
    list_filter = ["qc_ok", "pipeline_version"]
    readonly_fields = ["recording", "pipeline_version", "prefix", "fps", "frame_count",
                       "mask_count", "qc_ok", "qc_issues", "motion_features"]
