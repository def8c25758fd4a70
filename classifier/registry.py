"""The model registry: register, promote, roll back, and find the model that serves."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max

from assessments.models import User
from backtracker_site.api.errors import ApiError
from classifier.models import ModelVersion, Promotion


def model_version_active() -> ModelVersion | None:
    return ModelVersion.objects.filter(is_active=True).first()


@transaction.atomic
def model_version_register(
    *, onnx_bytes: bytes, task: str, config: dict[str, Any], manifest: dict[str, Any],
    report: dict[str, Any], cv_accuracy: float, code_version: str = "",
    pipeline_version: str = "",
) -> ModelVersion:
    """Store the ONNX file and record a new, inactive version; `pipeline_version` is that of
    its training masks (serving refuses features of any other)."""
    number = (ModelVersion.objects.select_for_update().aggregate(n=Max("number"))["n"] or 0) + 1
    key = f"models/v{number}/classifier.onnx"
    if default_storage.exists(key):  # left by a run that crashed before its commit
        default_storage.delete(key)
    stored = default_storage.save(key, ContentFile(onnx_bytes))
    return ModelVersion.objects.create(
        number=number, task=task, onnx_key=stored,
        onnx_sha256=hashlib.sha256(onnx_bytes).hexdigest(), config=config, manifest=manifest,
        report=report, cv_accuracy=cv_accuracy, code_version=code_version,
        pipeline_version=pipeline_version,
    )


def _activate(version: ModelVersion) -> None:
    ModelVersion.objects.filter(is_active=True).exclude(pk=version.pk).update(is_active=False)
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
    version.is_active = True


@transaction.atomic
def model_version_promote(*, version: ModelVersion, user: User | None, force: bool = False,
                          reason: str = "") -> ModelVersion:
    """Make `version` the one that serves; refuse a worse CV accuracy unless forced."""
    active = ModelVersion.objects.select_for_update().filter(is_active=True).first()
    if active is not None and active.pk == version.pk:
        return version
    if active is not None and version.cv_accuracy < active.cv_accuracy and not force:
        raise ApiError(
            code="worse_than_active", status_code=409,
            message=(f"v{version.number} has a lower CV accuracy ({version.cv_accuracy:.1%}) "
                     f"than the active v{active.number} ({active.cv_accuracy:.1%}); "
                     "promote with force to replace it anyway."),
        )
    _activate(version)
    Promotion.objects.create(version=version, promoted_by=user, forced=force, reason=reason)
    return version


@transaction.atomic
def model_version_rollback(*, user: User | None) -> ModelVersion:
    """Go back to the version that was active before the current one."""
    active = ModelVersion.objects.select_for_update().filter(is_active=True).first()
    if active is None:
        raise ApiError(code="nothing_active", status_code=409,
                       message="No model is active, so there is nothing to roll back.")
    previous = (Promotion.objects.exclude(version=active).select_related("version").first())
    if previous is None:
        raise ApiError(code="no_previous_version", status_code=409,
                       message="No earlier model was ever active.")
    _activate(previous.version)
    Promotion.objects.create(version=previous.version, promoted_by=user, forced=True,
                             reason=f"rollback from v{active.number}")
    return previous.version
