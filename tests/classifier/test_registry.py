"""Model registry: one active version, promotion guarded by CV accuracy, one-step rollback."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError

from backtracker_site.api.errors import ApiError
from classifier.models import ModelVersion, TrainingRun
from classifier.registry import (
    model_version_active,
    model_version_promote,
    model_version_register,
    model_version_rollback,
)

pytestmark = pytest.mark.django_db


def register(accuracy: float) -> ModelVersion:
    return model_version_register(
        onnx_bytes=b"onnx-bytes-%f" % accuracy,
        task="backward",
        config={"masks": 80},
        manifest={"patients": []},
        report={},
        cv_accuracy=accuracy,
    )


def test_registering_stores_the_file_and_numbers_versions() -> None:
    first, second = register(0.8), register(0.85)
    assert (first.number, second.number) == (1, 2)
    assert default_storage.exists(first.onnx_key)
    assert not first.is_active
    assert model_version_active() is None


def test_promotion_refuses_a_worse_model_unless_forced() -> None:
    good, worse = register(0.9), register(0.8)
    model_version_promote(version=good, user=None)
    with pytest.raises(ApiError) as refused:
        model_version_promote(version=worse, user=None)
    assert refused.value.error_code == "worse_than_active"
    assert model_version_active() == good
    model_version_promote(version=worse, user=None, force=True, reason="newer data")
    assert model_version_active() == worse
    assert ModelVersion.objects.filter(is_active=True).count() == 1


def test_rollback_returns_to_the_previous_version() -> None:
    first, second = register(0.8), register(0.9)
    with pytest.raises(ApiError):
        model_version_rollback(user=None)
    model_version_promote(version=first, user=None)
    model_version_promote(version=second, user=None)
    assert model_version_rollback(user=None) == first
    assert model_version_active() == first


def test_the_database_allows_one_active_version_only() -> None:
    register(0.8)
    register(0.9)
    ModelVersion.objects.filter(number=1).update(is_active=True)
    with pytest.raises(IntegrityError):
        ModelVersion.objects.filter(number=2).update(is_active=True)


def test_only_one_training_run_holds_the_slot() -> None:
    TrainingRun.objects.create(slot="training")
    with pytest.raises(IntegrityError):
        TrainingRun.objects.create(slot="training")
