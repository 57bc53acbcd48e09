"""Helpers for tests that need the real services (run under CI=true)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from clinic.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"

needs_services = [
    pytest.mark.services,
    pytest.mark.skipif(
        not IN_CI, reason="needs CI=true: real PostgreSQL, Redis and a Celery worker"
    ),
]


def worker_database_url() -> str:
    """A URL for the test database pytest-django created (not the configured one)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def celery_worker(tmp_path: Path, **extra_env: str):
    """Run a real Celery worker process on the test database; always stopped by PID."""
    from django.conf import settings

    name = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": worker_database_url(), "VAR_DIR": str(tmp_path / "var"),
           "SIGNING_DIR": str(settings.SIGNING_DIR), "CLINIC_NAME": settings.CLINIC_NAME,
           "MEDIA_ROOT": str(settings.MEDIA_ROOT), **extra_env}
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "clinic", "worker", "--pool", "solo",
             "--without-gossip", "--without-mingle", "--loglevel", "INFO",
             "--hostname", f"{name}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    previous_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield name, log_path
    finally:
        celery_app.conf.task_always_eager = previous_eager
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2):
    """Poll until predicate() is truthy; return its value or None at the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None
