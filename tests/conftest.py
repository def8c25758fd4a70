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


@pytest.fixture(autouse=True)
def staff_force_login_passes_mfa(monkeypatch):
    """``force_login`` stands for a completed sign-in, so for staff it includes the second
    factor (a confirmed authenticator, verified in the session). Tests of two-factor
    sign-in itself sign in through the forms (tests/assessments/test_mfa.py)."""
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        from assessments.mfa import mfa_required

        if mfa_required(user):
            from django_otp import DEVICE_ID_SESSION_KEY
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device, _ = TOTPDevice.objects.get_or_create(user=user, name="test",
                                                         defaults={"confirmed": True})
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


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
