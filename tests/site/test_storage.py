"""Object storage round trips on local files and on S3 (a moto server on loopback)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages

pytestmark = pytest.mark.services


def round_trip() -> str:
    name = default_storage.save("patients/p1/report.json", ContentFile(b'{"ok": true}'))
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == b'{"ok": true}'
    assert default_storage.size(name) == len(b'{"ok": true}')
    return name


def test_round_trip_on_local_files(local_storage) -> None:
    name = round_trip()
    assert (local_storage / name).exists()
    assert (local_storage / name).stat().st_mode & 0o077 == 0  # readable by the owner only
    default_storage.delete(name)
    assert not default_storage.exists(name)


def test_round_trip_on_s3(s3_storage) -> None:
    client, bucket = s3_storage
    assert type(storages["default"]).__name__ == "S3Storage"
    name = round_trip()
    assert client.head_object(Bucket=bucket, Key=name)["ContentLength"] == 12
    default_storage.delete(name)
    assert not default_storage.exists(name)


def test_s3_never_overwrites_silently(s3_storage) -> None:
    first = default_storage.save("exports/a.json", ContentFile(b"first"))
    second = default_storage.save("exports/a.json", ContentFile(b"second"))
    assert first != second
    with default_storage.open(first, "rb") as handle:
        assert handle.read() == b"first"


def test_s3_objects_are_private_and_urls_are_short_lived_sigv4(s3_storage) -> None:
    name = default_storage.save("exports/private.json", ContentFile(b"secret"))
    url = default_storage.url(name)
    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert int(query["X-Amz-Expires"][0]) <= 300
    unsigned = url.split("?", 1)[0]
    assert requests.get(unsigned, timeout=10).status_code == 403
    assert requests.get(url, timeout=10).content == b"secret"
