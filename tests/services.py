"""Fixtures that run real services: a moto S3 server and a Celery worker process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM (a warm shutdown), then SIGKILL when it has not exited within 20 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def moto_endpoint():
    """An S3 API served by moto on a free loopback port for the whole session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_storage(settings, moto_endpoint, monkeypatch):
    """Point default storage at a fresh private bucket on the moto server."""
    import uuid

    import boto3

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    bucket = f"backtracker-test-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    client.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                        "BlockPublicPolicy": True, "RestrictPublicBuckets": True},
    )
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.AWS_S3_ENDPOINT_URL = moto_endpoint
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_S3_SIGNATURE_VERSION = "s3v4"
    settings.AWS_DEFAULT_ACL = None
    settings.AWS_S3_FILE_OVERWRITE = False
    settings.AWS_QUERYSTRING_AUTH = True
    settings.AWS_QUERYSTRING_EXPIRE = 300
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
    return client, bucket


def worker_environment(database_name: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a worker that shares the test database and broker."""
    from django.conf import settings

    env = dict(os.environ)
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/"
            f"{database_name}"
        )
    env.update(extra or {})
    return env


class Worker:
    """A real `celery worker` process (prefork, one child) consuming every queue."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115  (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "backtracker_site", "worker",
             "-Q", "default,video,training", "-c", "1", "-P", "prefork", "--loglevel", "INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.wait_for("ready", timeout=90)

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text()

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited:\n{self.output()[-3000:]}")
            time.sleep(0.2)
        raise TimeoutError(f"worker never printed {text!r}:\n{self.output()[-3000:]}")

    def stop(self) -> None:
        stop_process(self.process)
        self.log.close()


@pytest.fixture
def start_worker(django_db_setup, django_db_blocker, tmp_path, settings):
    """Factory: start a worker against the test database and this test's storage.

    Tests using it need ``django_db(transaction=True)`` so the worker sees their rows.
    With S3 settings active (the s3_storage fixture) the worker uses the same bucket;
    otherwise both share a local media folder.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        database_name = connection.settings_dict["NAME"]
    if settings.CELERY_BROKER_URL.startswith("redis"):
        import redis

        redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    workers: list[Worker] = []

    def start(extra_env: dict[str, str] | None = None) -> Worker:
        var_dir = tmp_path / "worker-var"
        env = {"BACKTRACKER_VAR_DIR": str(var_dir), **s3_environment(settings)}
        if not env.get("AWS_STORAGE_BUCKET_NAME"):
            settings.STORAGES = {**settings.STORAGES, "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(var_dir / "media")},
            }}
        env.update(extra_env or {})
        worker = Worker(worker_environment(database_name, env),
                        tmp_path / f"worker{len(workers)}.log")
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def celery_worker(start_worker):
    """One worker on every queue, sharing this test's database and storage."""
    return start_worker()


def s3_environment(settings) -> dict[str, str]:
    """Environment variables that point a child process at this test's moto bucket."""
    if not getattr(settings, "AWS_STORAGE_BUCKET_NAME", ""):
        return {}
    return {"AWS_STORAGE_BUCKET_NAME": settings.AWS_STORAGE_BUCKET_NAME,
            "AWS_S3_ENDPOINT_URL": settings.AWS_S3_ENDPOINT_URL,
            "AWS_S3_REGION_NAME": settings.AWS_S3_REGION_NAME,
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class Server:
    """The site served by gunicorn in production mode on a loopback port."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "w")  # noqa: SIM115  (closed in stop())
        self.log_path = log_path
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "backtracker_site.wsgi", "--bind",
             f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "4",
             "--worker-class", "gthread", "--timeout", "120",
             # Longer than any client's pause between calls: with gunicorn's 2 s default a
             # pooled connection can be closed just as a request goes out on it.
             "--keep-alive", "75"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        import requests

        def answers() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                return requests.get(f"{self.url}/api/v1/health", timeout=5).status_code < 500
            except requests.ConnectionError:
                return False

        wait_until(answers, timeout=60, interval=0.3)

    def stop(self) -> None:
        stop_process(self.process)
        self.log.close()


@pytest.fixture
def start_server(django_db_setup, django_db_blocker, tmp_path, settings):
    """Factory: serve the site from a gunicorn process on the test database.

    Production settings (DEBUG off), the test's broker and, with the s3_storage fixture,
    its bucket. E-mail goes to files under ``<var>/mail``; the var folder is returned
    with the server.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        database_name = connection.settings_dict["NAME"]
    servers: list[Server] = []

    def start(extra_env: dict[str, str] | None = None) -> tuple[Server, Path]:
        var_dir = tmp_path / "server-var"
        env = {"BACKTRACKER_VAR_DIR": str(var_dir), "DJANGO_DEBUG": "0",
               "DJANGO_SECRET_KEY": "test-server-" + "s" * 50,
               "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "0",
               "DJANGO_SESSION_COOKIE_SECURE": "0", "DJANGO_LOG_LEVEL": "WARNING",
               "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
               "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
               **s3_environment(settings), **(extra_env or {})}
        server = Server(worker_environment(database_name, env), tmp_path / "server.log")
        servers.append(server)
        return server, var_dir

    yield start
    for server in servers:
        server.stop()


def wait_until(predicate, timeout: float = 60, interval: float = 0.25):
    """Poll until predicate() is truthy; return its value or fail with a timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
