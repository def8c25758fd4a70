"""GET /api/v1/health: is every service the platform needs reachable?"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from kombu import Connection
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker() -> None:
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=3,
                    transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)


def check_storage() -> None:
    if isinstance(default_storage, FileSystemStorage):
        location = default_storage.location
        os.makedirs(location, exist_ok=True)
        if not os.access(location, os.W_OK):
            raise PermissionError("media folder is not writable")
    else:  # S3: the bucket exists and these credentials may use it
        default_storage.connection.meta.client.head_bucket(Bucket=default_storage.bucket_name)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
}


class HealthApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="Service health",
        responses={
            (200, "application/json"): inline_serializer(
                "Health",
                {"status": serializers.ChoiceField(["ok", "unavailable"]),
                 "checks": serializers.DictField(child=serializers.CharField())},
            ),
            (503, "application/json"): inline_serializer(
                "HealthUnavailable",
                {"status": serializers.CharField(),
                 "checks": serializers.DictField(child=serializers.CharField())},
            ),
        },
    )
    def get(self, request: Request) -> Response:
        results = {}
        for name, check in CHECKS.items():
            try:
                check()
                results[name] = "ok"
            except Exception:
                logger.warning("health check %s failed", name, exc_info=True)
                results[name] = "unavailable"
        healthy = all(value == "ok" for value in results.values())
        return Response(
            {"status": "ok" if healthy else "unavailable", "checks": results},
            status=200 if healthy else 503,
        )
