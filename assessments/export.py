"""Everything stored about one patient, as JSON-ready data (GDPR Art. 15 and 20).

Models are found, not listed: any model with a chain of foreign keys to Patient (up to
three steps, e.g. ProgrammeItem -> Programme -> Patient) is exported, so a new model
cannot be forgotten. Storage internals (object keys, worker names) are left out.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.apps import apps
from django.core.serializers import serialize
from django.db import models
from django.utils import timezone

from assessments.models import AccessEvent, Patient

INTERNAL_FIELDS = {"source_key", "file_key", "onnx_key", "prefix", "claimed_by", "upload_id",
                   "password", "roc_key"}
NOT_PATIENT_DATA = {AccessEvent}  # the access log is the clinic's record, kept apart


@cache
def patient_paths() -> dict[type[models.Model], str]:
    """Model -> ORM lookup from that model to its Patient."""
    found: dict[type[models.Model], str] = {}
    frontier: dict[type[models.Model], str] = {Patient: ""}
    for _ in range(3):
        next_frontier: dict[type[models.Model], str] = {}
        for model in apps.get_models():
            if model in found or model is Patient or model in NOT_PATIENT_DATA:
                continue
            for field in model._meta.get_fields():
                if field.many_to_one and field.concrete and field.related_model in frontier:
                    base = frontier[field.related_model]
                    next_frontier[model] = f"{field.name}__{base}" if base else field.name
                    break
        found.update(next_frontier)
        frontier = next_frontier
    return found


def rows_of(model: type[models.Model], lookup: str, patient: Patient) -> list[dict[str, Any]]:
    queryset = model.objects.filter(**{lookup: patient.pk})
    rows = []
    for item in serialize("python", queryset):
        fields = {k: v for k, v in item["fields"].items() if k not in INTERNAL_FIELDS}
        rows.append({"id": str(item["pk"]), **fields})
    return rows


def patient_data(patient: Patient) -> dict[str, Any]:
    user = patient.user
    sections = {
        model._meta.label: rows_of(model, lookup, patient)
        for model, lookup in sorted(patient_paths().items(), key=lambda i: i[0]._meta.label)
    }
    return {
        "format": "backtracker-export/2",
        "exported_at": timezone.now().isoformat(),
        "account": {"email": user.email, "first_name": user.first_name,
                    "last_name": user.last_name, "date_joined": user.date_joined.isoformat()},
        "patient": {"id": str(patient.id), "year_of_birth": patient.year_of_birth,
                    "sex": patient.sex, "height_cm": patient.height_cm,
                    "physiotherapist": str(patient.physiotherapist or "") or None},
        "records": {label: rows for label, rows in sections.items() if rows},
    }
