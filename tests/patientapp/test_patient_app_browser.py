"""The patient web app in Chromium emulating a phone, with a fake camera (issue 19).

A new patient signs up with consent, activates from the e-mail, signs in, answers a
questionnaire one question per screen (and resumes it after a reload), films the forward
bend with the camera (Chromium's fake camera plays a rendered bend, MediaRecorder records
MP4), sends the backward bend from the camera-app fallback with an upload that is cut off
and resumed after a reload, is asked to film it again after a quality check (the forward
bend sent as a backward one), replaces it, follows the analysis by a real worker to the
released result, reads the programme and logs a session with pain before and after, opens
the programme offline, exports their data and erases the account. axe-core checks every
screen; screenshots of each step are kept.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import av
import pytest

from assessments.models import Assessment, ClinicSettings, Erasure, User
from tests.factories import PhysiotherapistFactory
from tests.journey_setup import clinic_with_a_model, one_participant_videos
from tests.services import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data"),
              pytest.mark.services, pytest.mark.slow, pytest.mark.timeout(1500)]

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = Path(os.environ.get("BACKTRACKER_TEST_ARTEFACTS",
                                ROOT / "var" / "test-artefacts")) / "patient-app"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "a quiet river at dusk"
EMAIL = "phone.app@example.org"
CHUNK = 32 * 1024
# axe-core from the npm registry, pinned with the registry's integrity of the tarball.
AXE_SPEC = "axe-core@4.10.3"
AXE_INTEGRITY = ("sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvG"
                 "fTs/PbZhideTcEg==")
AXE_URL = "/static/__test__/axe.min.js"


def axe_script(folder: Path) -> bytes:
    """axe.min.js out of the pinned npm package (npm pack; checked against AXE_INTEGRITY)."""
    npm = shutil.which("npm")
    if not npm:
        pytest.fail("npm is missing: the accessibility check needs axe-core from npm")
    subprocess.run([npm, "pack", AXE_SPEC, "--pack-destination", str(folder), "--silent"],
                   check=True, capture_output=True, timeout=180)
    tarball = next(folder.glob("axe-core-*.tgz"))
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    assert f"sha512-{digest}" == AXE_INTEGRITY, "axe-core tarball does not match its pin"
    with tarfile.open(tarball) as archive:
        return archive.extractfile("package/axe.min.js").read()


def to_y4m(video: Path, target: Path) -> Path:
    """The rendered bend as a Y4M file, what Chromium's fake camera plays (in a loop)."""
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate
        frames = [frame.to_ndarray(format="yuv420p") for frame in container.decode(stream)]
    height, width = frames[0].shape[0] * 2 // 3, frames[0].shape[1]
    with target.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{rate.numerator}:{rate.denominator} "
                  f"Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n")
            out.write(frame.tobytes())
    return target


class Journey:
    """The page, with screenshots, axe-core and the console's CSP complaints."""

    def __init__(self, page, base: str) -> None:
        self.page = page
        self.base = base
        self.step = 0
        self.refused: list[str] = []
        self.violations: list[str] = []
        self.console: list[str] = []
        page.on("console", self.listen)

    def listen(self, message) -> None:
        self.console.append(message.text)
        if "Content Security Policy" in message.text:
            self.refused.append(message.text)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def shot(self, name: str) -> None:
        self.step += 1
        self.page.screenshot(path=str(ARTEFACTS / f"{self.step:02d}-{name}.png"), full_page=True)
        self.check_accessibility(name)

    def check_accessibility(self, name: str) -> None:
        if not self.page.evaluate("() => Boolean(window.axe)"):
            self.page.add_script_tag(url=self.base + AXE_URL)
        found = self.page.evaluate("""async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.filter(v => ["serious", "critical"].includes(v.impact))
              .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
        }""")
        self.violations += [f"{name}: {text}" for text in found]


@pytest.fixture
def phone(tmp_path, live_server, transactional_db, reference_data, start_worker):
    from playwright.sync_api import sync_playwright

    from exercises import services as exercise_services

    # The worker first (it moves the media folder where the model is stored), then the
    # model: torch must load before the renderer's OpenGL libraries (it crashes after them).
    start_worker()
    ClinicSettings.objects.create(results_need_review=True, confidence_threshold=0.5)
    clinic_with_a_model(tmp_path / "report")
    exercise_services.exercises_seed()

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: apt-get install -y chromium (.ci/run does it)")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    forward, backward = one_participant_videos(tmp_path / "cohort")
    camera = to_y4m(forward, tmp_path / "forward.y4m")
    axe = axe_script(tmp_path)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
            "--disable-background-networking", "--disable-component-update",
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={camera}"])
        context = browser.new_context(**playwright.devices["Pixel 7"], permissions=["camera"])
        context.route(f"**{AXE_URL}", lambda route: route.fulfill(
            body=axe, content_type="text/javascript"))
        page = context.new_page()
        page.set_default_timeout(30_000)
        journey = Journey(page, live_server.url)
        try:
            yield journey, context, forward, backward
        finally:
            page.screenshot(path=str(ARTEFACTS / "last.png"), full_page=True)
            print("console:", *journey.console[-30:], sep="\n  ")
            browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def test_a_patient_does_the_whole_journey_on_a_phone(phone, settings, mailoutbox) -> None:
    from exercises import services as exercise_services
    from exercises.models import Programme, SessionLog

    journey, context, forward_video, backward_video = phone
    page = journey.page
    settings.UPLOAD_PART_BYTES = CHUNK  # several chunks, so one can be cut off

    # Sign up with consent; activate from the e-mail; sign in.
    journey.go("/app/")
    page.wait_for_selector("#welcome:not([hidden])")
    journey.shot("welcome")
    page.click("text=Create an account")
    page.fill("#first_name", "Robin")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("#signup-form button[type=submit]")
    assert "agree" in page.inner_text("#signup-error")  # care consent is required
    page.check("#consent_to_care")
    page.check("#consent_to_training")
    journey.shot("sign-up")
    page.click("#signup-form button[type=submit]")
    page.wait_for_selector("text=Check your e-mail")
    link = next(word for word in mailoutbox[-1].body.split() if "/accounts/activate/" in word)
    page.goto(link)
    page.click("text=Activate my account")
    page.click("text=Sign in to the BackTracker app")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    journey.shot("sign-in")
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#steps:not([hidden])")
    patient = User.objects.get(email=EMAIL).patient
    assert set(patient.consents.values_list("purpose", flat=True)) == {"care", "model_training"}
    patient.physiotherapist = PhysiotherapistFactory()
    patient.save()
    journey.shot("home")

    # A questionnaire, one question per screen, resumed after a reload.
    page.click("text=Answer the questionnaires")
    page.click("[data-code=sbt] button")
    answers = [0, 1, 0, 0, 1, 0, 0, 0, 0]
    for number in answers[:3]:
        page.check(f"#answer-{number}")
        page.click("#q-next")
    journey.shot("questionnaire")
    page.reload()
    page.wait_for_selector("[data-code=sbt] >> text=question 4 of 9")
    page.click("[data-code=sbt] button")
    assert page.inner_text("#q-progress") == "Question 4 of 9"
    for number in answers[3:]:
        page.check(f"#answer-{number}")
        page.click("#q-next")
    page.wait_for_selector("text=answers were sent")
    score = patient.prom_scores.get(instrument="sbt")
    assert score.band == "low risk"

    # Forward bend with the camera: instructions, preview with the outline, MediaRecorder.
    journey.go("/app/record/?task=forward")
    page.wait_for_selector("#instructions:not([hidden])")
    journey.shot("forward-instructions")
    page.click("#camera-start")
    # (wait_for_function evaluates a string, which the CSP refuses: poll from here)
    wait_until(lambda: page.evaluate("document.querySelector('#preview').videoWidth"), 30)
    page.wait_for_selector("#feedback:has-text('side-on')")
    journey.shot("forward-camera")
    page.click("#record-start")
    page.wait_for_timeout(8_600)  # the rendered bend is about 8 s; the fake camera loops it
    page.click("#record-stop")
    page.wait_for_selector("text=Your forward bend has arrived.", timeout=60_000)
    journey.shot("forward-sent")
    forward = patient.recordings.get(task="forward")
    assert forward.content_type == "video/mp4"

    # Backward bend from the camera app, but the wrong bend (the forward one); the upload
    # is cut off at chunk 3 and resumed after a reload from what the server has.
    page.click("text=Now film the backward bend")
    page.wait_for_selector("#instructions:not([hidden])")
    journey.shot("backward-instructions")
    page.route("**/chunks/3", lambda route: route.abort())
    page.set_input_files("#file-input", str(forward_video))
    page.wait_for_selector("text=The connection was lost", timeout=60_000)
    stopped_at = page.eval_on_selector("#upload-progress", "bar => bar.value")
    assert 0 < stopped_at < 100
    journey.shot("upload-cut-off")
    page.unroute("**/chunks/3")
    sent_chunks: list[str] = []
    page.on("request", lambda request: sent_chunks.append(request.url.rsplit("/", 1)[1])
            if "/chunks/" in request.url else None)
    page.reload()
    page.wait_for_selector("text=Your backward bend has arrived.", timeout=60_000)
    assert sent_chunks[0] == "3"  # only what the server did not have
    page.click("text=Follow the analysis")

    # The analysis: progress, then the quality check asks for the backward bend again.
    page.wait_for_selector("#progress-box:not([hidden]), #needs:not([hidden])")
    journey.shot("analysing")
    page.wait_for_selector("#needs:not([hidden])", timeout=600_000)
    codes = page.eval_on_selector_all(".need", "items => items.map(i => i.dataset.code)")
    assert codes, "no quality issue shown"
    assert set(codes) <= {"wrong_direction", "range_too_small", "too_few_repetitions"}, codes
    assert "Record the backward bend again" in page.inner_text("#needs-list")
    journey.shot("film-again")
    page.click("text=Film the backward bend again")
    page.wait_for_selector("#instructions:not([hidden])")
    page.set_input_files("#file-input", str(backward_video))
    page.wait_for_selector("text=Follow the analysis", timeout=60_000)
    page.click("text=Follow the analysis")
    assessment = Assessment.objects.get(patient=patient)
    page.wait_for_selector("#waiting:not([hidden])", timeout=600_000)
    journey.shot("waiting-for-review")

    # The physiotherapist confirms the result and approves its programme (dashboard).
    from django.utils import timezone

    from assessments.results import assessment_review

    assessment.refresh_from_db()
    assert assessment.backward.task == "backward"
    assessment_review(assessment=assessment, physiotherapist=patient.physiotherapist,
                      phenotype=assessment.phenotype, reason="fits the examination")
    programme = Programme.objects.get(patient=patient)
    exercise_services.programme_approve(programme=programme, by=patient.physiotherapist)
    page.reload()
    page.wait_for_selector("#result:not([hidden])")
    assert {"FP": "flexion", "EP": "extension"}[assessment.phenotype] in page.inner_text("#pattern")
    journey.shot("result")

    # Home says when today is a training day.
    journey.go("/app/")
    page.wait_for_selector("#step-programme .state:has-text('ready')")
    training_today = timezone.localdate().weekday() in programme.schedule_days
    assert page.is_visible("#training-day") == training_today
    journey.go("/app/results/")

    # The programme: exercises, a session with pain before and after, the week.
    page.click("text=See your exercise programme")
    page.wait_for_selector("#exercises:not([hidden])")
    assert page.locator(".exercise").count() == programme.items.count()
    page.fill("#pain_before", "4")
    page.fill("#pain_after", "2")
    page.select_option("#difficulty", "3")
    page.click("#log-form button[type=submit]")
    page.wait_for_selector("text=today's session is saved")
    page.wait_for_selector(".week .day.done")
    session = SessionLog.objects.get(patient=patient)
    assert (session.pain_before, session.pain_after) == (4, 2)
    journey.shot("programme")

    # Offline, the programme is still there (service worker and the kept copy).
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#offline-note:not([hidden])")
    assert page.locator(".exercise").count() == programme.items.count()
    journey.shot("programme-offline")
    context.set_offline(False)

    # Their data: a copy, then erasure.
    journey.go("/app/data/")
    page.click("#export-start")
    page.wait_for_selector("#export-link:not([hidden])", timeout=120_000)
    journey.shot("data")
    page.fill("#erase-password", PASSWORD)
    page.check("#erase-sure")
    page.click("#erase-form button[type=submit]")
    page.wait_for_selector("#erase-status:has-text('being deleted')")
    journey.shot("erased")
    erasure = Erasure.objects.get()
    wait_until(lambda: Erasure.objects.get(pk=erasure.pk).status == "done", timeout=120)
    assert not User.objects.filter(email=EMAIL).exists()
    assert journey.refused == []
    assert journey.violations == []


@pytest.mark.usefixtures("transactional_db", "reference_data")
def test_pages_fit_320_px_with_large_text(live_server, page_320) -> None:
    """Nothing wider than a 320 px screen, with the text at twice the usual size."""
    from tests.factories import TEST_PASSWORD, PatientFactory

    patient = PatientFactory()
    page = page_320
    page.goto(live_server.url + "/app/signin/")
    page.fill("#email", patient.user.email)
    page.fill("#password", TEST_PASSWORD)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#steps:not([hidden])")
    for path in ["/app/", "/app/questionnaires/", "/app/record/?task=backward", "/app/results/",
                 "/app/programme/", "/app/data/", "/app/signup/"]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], (path, width)


@pytest.fixture
def page_320(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 320, "height": 640}, is_mobile=True,
                                has_touch=True, device_scale_factor=2)
        yield page
        browser.close()
