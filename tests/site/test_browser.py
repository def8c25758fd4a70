"""The server-rendered pages in real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from assessments.models import User
from tests.factories import TEST_PASSWORD, UserFactory

ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artefacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the ORM calls in the test are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: apt-get install -y chromium (.ci/run does it)")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        yield page
        browser.close()


def current_code(key: bytes) -> str:
    from django_otp.oath import totp

    return f"{totp(key):06d}"


def sign_in(page, live_server, user, next_url: str) -> None:
    """The sign-in form, then the authenticator code (staff have one set up)."""
    from assessments import mfa

    device = mfa.mfa_start(user=user)
    mfa.mfa_confirm(user=user, token=current_code(device.bin_key))
    type(device).objects.filter(pk=device.pk).update(last_t=-1)  # the code may repeat
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/mfa/verify/**")
    page.fill("input[name=otp]", current_code(device.bin_key))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}{next_url}")


def test_an_admin_signs_in_and_reaches_the_django_admin(page, live_server) -> None:
    """With the second factor: the first sign-in sets up the authenticator."""
    import base64

    admin = UserFactory(role=User.Role.ADMIN)
    page.goto(f"{live_server.url}/accounts/login/?next=/admin/")
    page.fill("input[name=username]", admin.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/mfa/setup/**")
    assert page.locator("img[alt^='QR code']").evaluate("img => img.naturalWidth") > 0
    secret = page.locator("code").first.inner_text().strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("input[name=otp]", current_code(key))
    page.click("main button[type=submit]")
    assert page.locator("ul.codes li").count() == 10
    page.click("text=Continue")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.locator("#site-name").inner_text().strip() != ""
    assert page.get_by_role("link", name="Patients").count() >= 1
    page.screenshot(path=str(ARTEFACTS / "admin-index.png"))


def test_a_wrong_password_shows_one_plain_message(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "nobody@example.org")
    page.fill("input[name=password]", "wrong password here")
    page.click("button[type=submit]")
    assert page.locator(".error").inner_text() == "E-mail address or password is not correct."


def test_the_api_docs_render_from_local_assets(page, live_server) -> None:
    external = []
    page.on("request", lambda request: external.append(request.url)
            if not request.url.startswith(live_server.url) else None)
    blocked = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    sign_in(page, live_server, UserFactory(role=User.Role.ADMIN), "/api/docs/")
    page.wait_for_selector("text=BackTracker API", timeout=20_000)
    page.locator(".opblock-summary-path", has_text="/api/v1/patients").first.wait_for(
        timeout=20_000)
    page.screenshot(path=str(ARTEFACTS / "api-docs.png"), full_page=False)
    assert external == []
    assert blocked == []


def test_a_physio_reviews_a_processed_patient(page, live_server) -> None:
    from assessments.models import AccessEvent, PhenotypeLabel
    from exercises import services
    from exercises.models import Programme
    from tests.assessments.dashboard_data import processed_patient
    from tests.factories import PatientFactory, PhysiotherapistFactory

    patient = PatientFactory()
    processed_patient(patient)
    services.exercises_seed()
    # What the classification left: a draft programme for its FP result.
    services.programme_create_for_result(patient=patient, phenotype="FP", probability=0.64)
    physio = patient.physiotherapist
    blocked = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    sign_in(page, live_server, physio, "/dashboard/")
    assert page.locator("#caseload .flag.review").count() == 1
    page.screenshot(path=str(ARTEFACTS / "dashboard-caseload.png"))
    page.click(f"text={patient}")
    page.wait_for_selector("#recordings svg")
    assert page.locator("#recordings .chart.theta svg").count() == 2
    assert page.locator("#recordings .chart.curvature svg").count() == 2
    assert page.locator(".curvature-summary").count() >= 2  # with the result and per bend
    assert page.locator("img.montage").count() == 2
    page.screenshot(path=str(ARTEFACTS / "dashboard-patient.png"), full_page=True)
    page.select_option("#review-form select[name=phenotype]", "EP")
    page.fill("#review-form input[name=reason]", "lumbar hinge in backward bend")
    page.click("#review-form button[type=submit]")
    page.wait_for_selector("text=Classification saved")
    assert PhenotypeLabel.objects.get(patient=patient).phenotype == "EP"
    assert blocked == []  # nothing on the pages was refused by the CSP
    # The override calls for an extension programme: generate it, change a dose, approve.
    page.click("#generate-form button")
    page.wait_for_selector("text=A new programme was generated")
    programme = Programme.objects.filter(patient=patient).first()
    assert programme.phenotype == "EP"
    first = programme.items.select_related("exercise").first().exercise
    page.fill(f'#programme-form input[name="{first.slug}.sets"]', "3")
    page.fill("#programme-form input[name=reason]", "start with three sets")
    page.click("#programme-form button[type=submit]")
    page.wait_for_selector("text=Programme saved as a new version")
    page.fill("#approve-form input[name=reason]", "agreed with the patient")
    page.click("#approve-form button[type=submit]")
    page.wait_for_selector("text=Programme approved")
    assert page.locator("#programme .programme-status strong").inner_text() == "Approved"
    assert page.locator("#approve-form").count() == 0
    assert page.locator("#adherence-chart svg").count() == 1  # weekly adherence from now on
    assert page.locator("#programme-versions tbody tr").first.inner_text().startswith("3")
    programme.refresh_from_db()
    assert (programme.status, programme.approved_by) == ("approved", physio)
    assert programme.items.get(exercise=first).sets == 3
    page.screenshot(path=str(ARTEFACTS / "dashboard-programme-approved.png"), full_page=True)
    other = PatientFactory(physiotherapist=PhysiotherapistFactory())
    response = page.goto(f"{live_server.url}/dashboard/patients/{other.pk}/")
    assert response.status == 404
    assert AccessEvent.objects.filter(patient_id=other.pk, actor=physio,
                                      outcome="denied").exists()
