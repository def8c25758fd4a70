"""Shared fixtures. Service fixtures (moto S3, Celery worker) live in tests/services.py."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.services"]


@pytest.fixture(autouse=True)
def local_storage(settings, tmp_path):
    """Every test writes files to its own temporary folder unless it asks for S3."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def fast_outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()

