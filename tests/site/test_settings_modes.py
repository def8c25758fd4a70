"""Settings come from the environment: embedded defaults, service switches, production."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k7#Vq9!mZ2@pL4$wX8^nR1&tY6*uB3(eC5)gH0-jS_aD+fK=oI;zM",
    "DJANGO_ALLOWED_HOSTS": "backtracker.example.org",
}


def run_python(code: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter whose environment holds only `env` (plus PATH)."""
    clean = {"PATH": os.environ["PATH"], "BACKTRACKER_VAR_DIR": str(tmp_path / "var"),
             "DJANGO_SETTINGS_MODULE": "backtracker_site.settings", **env}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=120)


SETTINGS_SUMMARY = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "db": settings.DATABASES["default"]["ENGINE"],
    "storage": settings.STORAGES["default"]["BACKEND"],
    "broker": settings.CELERY_BROKER_URL,
    "debug": settings.DEBUG,
    "sigv": getattr(settings, "AWS_S3_SIGNATURE_VERSION", None),
    "overwrite": getattr(settings, "AWS_S3_FILE_OVERWRITE", None),
    "acl": getattr(settings, "AWS_DEFAULT_ACL", "unset"),
}))
"""


def test_embedded_defaults_need_no_server(tmp_path) -> None:
    result = run_python(SETTINGS_SUMMARY, {}, tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["db"] == "django.db.backends.sqlite3"
    assert summary["storage"] == "django.core.files.storage.FileSystemStorage"
    assert summary["broker"] == "filesystem://"
    assert summary["debug"] is True


def test_each_variable_switches_its_service(tmp_path) -> None:
    env = {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/backtracker",
        "AWS_STORAGE_BUCKET_NAME": "clinic-videos",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    result = run_python(SETTINGS_SUMMARY, env, tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["db"] == "django.db.backends.postgresql"
    assert summary["storage"] == "storages.backends.s3.S3Storage"
    assert summary["broker"].startswith("redis://")
    assert summary["sigv"] == "s3v4"
    assert summary["overwrite"] is False
    assert summary["acl"] is None


def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path) -> None:
    result = run_python(SETTINGS_SUMMARY, {"DJANGO_DEBUG": "0",
                                           "DJANGO_ALLOWED_HOSTS": "x.example.org"}, tmp_path)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_deploy_check_passes_in_production_mode(tmp_path) -> None:
    env = {**PRODUCTION_ENV, "PATH": os.environ["PATH"],
           "BACKTRACKER_VAR_DIR": str(tmp_path / "var")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_security_check_is_silenced() -> None:
    silenced = settings.SILENCED_SYSTEM_CHECKS
    assert not [name for name in silenced if name.startswith(("security.", "django_ratelimit."))]


PRODUCTION_REQUESTS = """
import django, json
django.setup()
from django.test import Client
client = Client()
plain = client.get("/", HTTP_HOST="backtracker.example.org")
secure = client.get("/", HTTP_HOST="backtracker.example.org", secure=True)
evil = client.get("/", HTTP_HOST="evil.example", secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "secure": secure.status_code,
    "evil": evil.status_code,
    "headers": {k: secure.get(k, "") for k in ("Strict-Transport-Security",
                "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options",
                "Cross-Origin-Opener-Policy")},
}))
"""


def test_production_mode_redirects_to_https_and_hardens_headers(tmp_path) -> None:
    result = run_python(PRODUCTION_REQUESTS, PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["plain"][0] == 301
    assert answer["plain"][1].startswith("https://")
    assert answer["secure"] == 200
    assert answer["evil"] == 400
    headers = answer["headers"]
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize(("limits", "ids"), [
    ({}, set()),
    ({"VIDEO_TASK_TIME_LIMIT": 4000}, {"backtracker_site.E001"}),
    ({"TRAINING_TASK_TIME_LIMIT": 3600}, {"backtracker_site.E001"}),
    ({"VIDEO_TASK_SOFT_TIME_LIMIT": 2000, "VIDEO_TASK_TIME_LIMIT": 1500},
     {"backtracker_site.E002"}),
])
def test_task_time_limits_must_stay_below_the_visibility_timeout(limits, ids) -> None:
    redis_broker = {
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CELERY_BROKER_TRANSPORT_OPTIONS": {"visibility_timeout": 3600},
        "CELERY_TASK_SOFT_TIME_LIMIT": 60, "CELERY_TASK_TIME_LIMIT": 90,
        "VIDEO_TASK_SOFT_TIME_LIMIT": 600, "VIDEO_TASK_TIME_LIMIT": 900,
        "TRAINING_TASK_SOFT_TIME_LIMIT": 1800, "TRAINING_TASK_TIME_LIMIT": 2400,
    }
    with override_settings(**{**redis_broker, **limits}):
        found = {message.id for message in run_checks()
                 if message.id.startswith("backtracker_site.")}
    assert found == ids
