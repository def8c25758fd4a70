"""The patient web app's pages, service worker and manifest (issue 19)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)
PAGES = ["/app/", "/app/signup/", "/app/signin/", "/app/questionnaires/", "/app/record/",
         "/app/results/", "/app/programme/", "/app/data/"]


def directives(response) -> dict[str, str]:
    return {part.split()[0]: part.strip()
            for part in response["Content-Security-Policy"].split(";")}


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_a_shell_with_the_site_s_policies(client, path) -> None:
    page = client.get(path)
    assert page.status_code == 200
    body = page.content.decode()
    assert '<link rel="manifest" href="/app/manifest.webmanifest">' in body
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in body
    csp = directives(page)
    assert csp["script-src"] == "script-src 'self'"
    assert csp["object-src"] == "object-src 'none'"
    assert csp["connect-src"] == "connect-src 'self'"
    assert csp["media-src"] == "media-src 'self' blob:"
    camera = "camera=(self)" if path == "/app/record/" else "camera=()"
    assert camera in page["Permissions-Policy"]
    assert "geolocation=()" in page["Permissions-Policy"]
    assert not INLINE_SCRIPT.search(body)


@pytest.mark.django_db
def test_with_a_bucket_uploads_may_go_to_it(client, settings) -> None:
    settings.AWS_STORAGE_BUCKET_NAME = "clinic-videos"
    settings.AWS_S3_ENDPOINT_URL = "https://s3.example.org"
    csp = directives(client.get("/app/record/"))
    assert csp["connect-src"] == "connect-src 'self' https://s3.example.org"


@pytest.mark.django_db
def test_sign_up_shows_the_consent_texts_in_force(client, reference_data) -> None:
    from assessments.selectors import consent_documents_current

    body = client.get("/app/signup/").content.decode()
    for document in consent_documents_current():
        assert f"(version {document.version})" in body
    assert 'name="consent_to_care"' in body
    assert 'name="consent_to_training"' in body
    assert 'href="/accounts/password-reset/"' in client.get("/app/signin/").content.decode()


def test_the_service_worker_is_served_for_the_app_s_scope(client) -> None:
    worker = client.get("/app/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/app/"
    body = worker.content.decode()
    # Everything it keeps for offline use exists.
    for name in re.findall(r"\$\{STATIC\}([a-z/.0-9-]+\.[a-z]+)", body):
        assert (ROOT / "patientapp/static/patientapp" / name).is_file(), name
    for name in re.findall(r'"([a-z]+)"', body.split("].map")[0].split("...[")[1]):
        assert (ROOT / "patientapp/static/patientapp/js" / f"{name}.js").is_file(), name


def test_the_manifest_makes_the_app_installable(client) -> None:
    response = client.get("/app/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/app/"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert icon["src"].startswith(settings.STATIC_URL)


def test_no_template_or_module_runs_inline_script() -> None:
    offenders = []
    for template in (ROOT / "patientapp").rglob("templates/**/*.html"):
        text = template.read_text()
        if INLINE_SCRIPT.search(text) or INLINE_HANDLER.search(text):
            offenders.append(template.name)
    for module in (ROOT / "patientapp/static").rglob("*.js"):
        text = module.read_text()
        # No third-party CDN: every asset comes from the platform.
        if re.search(r"https?://", text) or "innerHTML" in text or "eval(" in text:
            offenders.append(module.name)
    assert offenders == []
