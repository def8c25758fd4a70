"""Load on a physiotherapist's caseload: the dashboard page and the patient list API.

Seeds 200 patients for one physiotherapist (with recordings, results and adherence) and
50 for another, serves the site with gunicorn on loopback, then drives both endpoints
with 50 concurrent clients for a bounded time. Prints p50/p95/p99 latency and the error
rate per endpoint, and fails if any response carried another physiotherapist's patient.

    python bench/caseload.py [--seconds 20] [--clients 50] [--database-url URL]

Without --database-url it uses a fresh SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(patients: int) -> dict:
    """Create the two caseloads; return credentials and the IDs each physio may see."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import RefreshToken

    call_command("migrate", verbosity=0)
    call_command("seed_exercises", verbosity=0)
    from assessments.models import Assessment, Patient, PromScore, Recording, User
    from backtracker_site.models import JobStatus
    from exercises.models import Programme, SessionLog
    from exercises.services import programme_approve, programme_create_for_result

    today = timezone.localdate()

    def physio(email: str) -> User:
        return User.objects.create_user(email=email, password="x" * 16,
                                        role=User.Role.PHYSIOTHERAPIST, first_name="P")

    mine, theirs = physio("bench.mine@example.org"), physio("bench.theirs@example.org")
    for owner, count, tag in ((mine, patients, "Mine"), (theirs, 50, "Theirs")):
        for number in range(count):
            user = User.objects.create_user(email=f"{tag.lower()}{number}@example.org",
                                            password=None, first_name=tag,
                                            last_name=f"Patient{number:03d}")
            patient = Patient.objects.create(user=user, physiotherapist=owner,
                                             year_of_birth=1950 + number % 50)
            for task in ("forward", "backward"):
                Recording.objects.create(
                    patient=patient, task=task,
                    status=JobStatus.FAILED if number % 17 == 0 else JobStatus.DONE,
                    source_key=f"bench/{patient.pk}/{task}.mp4")
            Assessment.objects.create(patient=patient, status=JobStatus.DONE,
                                      phenotype="FP" if number % 2 else "EP",
                                      probability=0.55 + (number % 45) / 100,
                                      review="awaiting" if number % 3 else "confirmed")
            PromScore.objects.create(patient=patient, instrument="odi", total=number % 60,
                                     source="app")
            programme = programme_create_for_result(patient=patient,
                                                    phenotype="FP" if number % 2 else "EP",
                                                    probability=0.9)
            if number % 4:  # three in four follow an approved programme and log sessions
                programme_approve(programme=programme, by=owner)
                Programme.objects.filter(pk=programme.pk).update(
                    approved_at=timezone.now() - timedelta(days=28))
                every = 1 + number % 3  # daily, every other day, every third day
                SessionLog.objects.bulk_create([
                    SessionLog(programme=programme, patient=patient,
                               performed_on=today - timedelta(days=day),
                               pain_before=2 + number % 5, pain_after=2 + number % 7,
                               difficulty=3)
                    for day in range(1, 28, every)])
    programmes = Programme.objects.count()
    client = Client()
    client.force_login(mine)
    return {
        "session": client.cookies["sessionid"].value,
        "token": str(RefreshToken.for_user(mine).access_token),
        "mine": {str(p) for p in Patient.objects.filter(physiotherapist=mine)
                 .values_list("pk", flat=True)},
        "programmes": programmes,
    }


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def drive(base: str, seeded: dict, clients: int, seconds: float,
          page_size: int) -> dict[str, dict]:
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    stats = {name: {"latency": [], "errors": 0, "leaks": 0} for name in ("page", "api")}

    def client_loop(number: int) -> None:
        session = requests.Session()
        session.cookies.set("sessionid", seeded["session"], domain="127.0.0.1")
        headers = {"Authorization": f"Bearer {seeded['token']}"}
        which = number % 2
        while time.monotonic() < deadline:
            name = ("page", "api")[which]
            which ^= 1
            started = time.perf_counter()
            try:
                if name == "page":
                    response = session.get(f"{base}/dashboard/?sort=attention", timeout=30)
                    leaked = "Theirs" in response.text
                else:
                    response = session.get(f"{base}/api/v1/patients?page_size={page_size}",
                                           headers=headers, timeout=30)
                    ids = {item["id"] for item in response.json().get("results", [])}
                    leaked = bool(ids - seeded["mine"])
                ok = response.status_code == 200
            except (requests.RequestException, ValueError):
                ok, leaked = False, False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                stats[name]["latency"].append(elapsed)
                stats[name]["errors"] += not ok
                stats[name]["leaks"] += leaked

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--page-size", type=int, default=50, help="patients per API page")
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-caseload-"))
    # Production mode, as a clinic would serve it (plain HTTP on loopback, hence no redirect).
    env = {**os.environ, "BACKTRACKER_VAR_DIR": str(var_dir),
           "DJANGO_SETTINGS_MODULE": "backtracker_site.settings", "DJANGO_LOG_LEVEL": "WARNING",
           "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "bench-" + "k" * 60,
           "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "0",
           "DJANGO_SESSION_COOKIE_SECURE": "0"}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    os.environ.update(env)
    print(f"seeding {args.patients} patients (+50 of another physiotherapist)...")
    seeded = seed(args.patients)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "backtracker_site.wsgi", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--threads", "8", "--worker-class", "gthread",
         "--log-level", "warning"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/api/v1/health", timeout=2)
                break
            except requests.RequestException:  # not up yet, or busy starting
                time.sleep(0.2)
        page = requests.get(f"{base}/dashboard/", cookies={"sessionid": seeded["session"]},
                            timeout=30)
        if page.status_code != 200:
            raise SystemExit(f"the caseload page answered {page.status_code}")
        shown = len(re.findall(r"Mine Patient\d+", page.text))
        print(f"caseload page shows {shown} patients on its first page")
        stats = drive(base, seeded, args.clients, args.seconds, args.page_size)
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(f"\n{args.clients} clients for {args.seconds:.0f} s against gunicorn "
          f"(2 workers x 8 threads) on {os.cpu_count()} cores")
    print(f"{'endpoint':<28}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    leaks = 0
    for name, label in (("page", "GET /dashboard/"),
                        ("api", f"GET /api/v1/patients ({args.page_size})")):
        latency = stats[name]["latency"]
        errors = stats[name]["errors"] / max(1, len(latency))
        leaks += stats[name]["leaks"]
        print(f"{label:<28}{len(latency):>9}{percentile(latency, 50):>9.0f}"
              f"{percentile(latency, 95):>9.0f}{percentile(latency, 99):>9.0f}{errors:>8.1%}")
    print(f"responses carrying another physiotherapist's patient: {leaks}")
    if leaks:
        raise SystemExit("authorization leak under load")


if __name__ == "__main__":
    main()
