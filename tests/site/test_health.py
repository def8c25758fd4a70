"""GET /api/v1/health reports database, broker and storage."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def test_it_is_healthy_when_every_service_answers(client) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok",
                               "checks": {"database": "ok", "broker": "ok", "storage": "ok"}}


def test_it_reports_an_unreachable_object_store(client, s3_storage, settings) -> None:
    settings.AWS_STORAGE_BUCKET_NAME = "bucket-that-does-not-exist"
    settings.STORAGES = {**settings.STORAGES}  # rebuild the storage with the new bucket
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "unavailable"
    assert response.json()["checks"]["database"] == "ok"


def test_it_reports_an_unreachable_broker(client, settings) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unavailable"
