"""The patient web app (issue 19): page shells that the app's JavaScript fills from the API.

Every page is the same small HTML shell with one ES module; the patient's data never passes
through these views. The JavaScript signs in over the API (JWT kept in sessionStorage) and
calls the same endpoints a native app would. The service worker and the manifest are
served from /app/ so that the worker's scope is the app.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from assessments.selectors import consent_documents_current
from backtracker_site.middleware import PERMISSIONS_POLICY, content_security_policy

# The recording page alone may use the camera (the site's policy denies it everywhere).
CAMERA_POLICY = PERMISSIONS_POLICY.replace("camera=()", "camera=(self)")


def app_security_policy() -> str:
    """The site's policy, plus: a recording kept in the browser may be played back
    (blob:), and uploads may go straight to the bucket (presigned S3 URLs)."""
    policy = content_security_policy()
    sources = ["'self'"]
    if getattr(settings, "AWS_STORAGE_BUCKET_NAME", ""):
        sources.append(getattr(settings, "AWS_S3_ENDPOINT_URL", None)
                       or "https://*.amazonaws.com")
    return policy.replace("media-src 'self'", "media-src 'self' blob:") \
        + f"; connect-src {' '.join(sources)}"


def with_policies(response: HttpResponse, camera: bool = False) -> HttpResponse:
    response.headers["Content-Security-Policy"] = app_security_policy()
    if camera:
        response.headers["Permissions-Policy"] = CAMERA_POLICY
    return response


@require_GET
def page(request: HttpRequest, name: str, camera: bool = False) -> HttpResponse:
    return with_policies(render(request, f"patientapp/{name}.html", {"page": name}), camera)


@require_GET
def signup(request: HttpRequest) -> HttpResponse:
    """Sign-up shows the consent texts in force, so they are read before agreeing."""
    documents = {doc.purpose: doc for doc in consent_documents_current()}
    return with_policies(render(request, "patientapp/signup.html", {
        "page": "signup", "care": documents.get("care"),
        "training": documents.get("model_training")}))


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    path = finders.find("patientapp/sw.js")
    with open(path, encoding="utf-8") as handle:
        body = handle.read()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response.headers["Service-Worker-Allowed"] = "/app/"
    return with_policies(response)


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    body = {
        "name": "BackTracker", "short_name": "BackTracker",
        "description": "Film two bends, answer questionnaires and follow your exercise "
                       "programme.",
        "start_url": "/app/", "scope": "/app/", "display": "standalone",
        "orientation": "portrait", "background_color": "#ffffff", "theme_color": "#1d4e89",
        "icons": [
            {"src": static("patientapp/img/icon-192.png"), "sizes": "192x192",
             "type": "image/png"},
            {"src": static("patientapp/img/icon-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "any maskable"},
        ],
    }
    return with_policies(HttpResponse(json.dumps(body),
                                      content_type="application/manifest+json"))
