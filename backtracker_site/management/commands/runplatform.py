"""Run the whole platform on one machine: a Celery worker (with its scheduler) and the
web server, until Ctrl-C. Used by `make run`; production runs each piece separately
(see README)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from backtracker_site.demo import run_demo_in_background

QUEUES = "default,video,training"


class Command(BaseCommand):
    help = "Start a worker and the development web server together."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--concurrency", default="1",
                            help="worker processes (each video job uses about one core)")
        parser.add_argument("--demo", action="store_true",
                            help="once the worker analysed the imported demo cohort, train "
                                 "and promote a quick model and classify the demo patients")

    def handle(self, *args, host: str, port: str, concurrency: str, demo: bool,
               **options) -> None:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "backtracker_site", "worker", "--beat",
             "-Q", QUEUES, "-c", concurrency, "--loglevel", "INFO",
             "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME],
        )
        base = f"http://{host}:{port}"
        self.stdout.write(self.style.SUCCESS("\nBackTracker is starting:"))
        self.stdout.write(f"  site           {base}/")
        self.stdout.write(f"  patient app    {base}/app/ (open it on a phone)")
        self.stdout.write(f"  admin          {base}/admin/")
        self.stdout.write(f"  API docs       {base}/api/docs/")
        self.stdout.write(f"  API health     {base}/api/v1/health")
        self.stdout.write(f"  worker pid     {worker.pid} (queues {QUEUES}, broker "
                          f"{settings.CELERY_BROKER_URL.split('://')[0]})")
        self.stdout.write("  demo sign-ins  see above; password backtracker-demo\n")
        # SIGTERM must also stop the worker: turn it into a normal exit.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        stop = threading.Event()
        if demo:
            self.stdout.write("  demo           the worker analyses the cohort, then a quick "
                              "model is trained and promoted (progress: admin > Training runs)")
            run_demo_in_background(stop)
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            stop.set()
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
