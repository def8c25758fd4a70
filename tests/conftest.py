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
def fresh_cache():
    """Throttle counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def fast_outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()



@pytest.fixture
def reference_data(db):
    """Consent texts and questionnaire definitions that data migrations publish.

    Tests with transaction=True flush the database afterwards, which removes them.
    """
    from importlib import import_module

    from django.apps import apps

    import_module("assessments.migrations.0002_first_consent_documents").publish(apps, None)
    import_module("assessments.migrations.0007_ship_instrument_definitions").load(apps, None)
