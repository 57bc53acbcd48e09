"""Settings read from the environment, checked in a fresh process each time."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LONG_KEY = "k" * 20 + "-production-secret-key-0123456789-abcdefghijklmnop"

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
from clinic.celery import app
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ENGINE": settings.DATABASES["default"]["ENGINE"],
    "DB_NAME": str(settings.DATABASES["default"]["NAME"]),
    "CONN": [settings.DATABASES["default"].get("CONN_MAX_AGE"),
             settings.DATABASES["default"].get("CONN_HEALTH_CHECKS")],
    "BROKER": app.conf.broker_url,
    "RESULTS": app.conf.result_backend,
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "FRAGMENTS": settings.CACHES["template_fragments"],
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "SESSION_COOKIE_AGE": settings.SESSION_COOKIE_AGE,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "MEDIA_ROOT": str(settings.MEDIA_ROOT),
}))
"""


def run_python(tmp_path, code=None, args=None, **env_vars):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "VAR_DIR": str(tmp_path / "var"),
           "DJANGO_SETTINGS_MODULE": "clinic.settings", **env_vars}
    command = [sys.executable, *(args or ["-c", code])]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def settings_in(tmp_path, **env_vars) -> dict:
    result = run_python(tmp_path, PRINT_SETTINGS, **env_vars)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_default_needs_no_environment(tmp_path):
    values = settings_in(tmp_path)
    assert values["DEBUG"] is True
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["DB_NAME"] == str(tmp_path / "var" / "db.sqlite3")
    assert values["BROKER"] == "filesystem://"
    assert values["RESULTS"].startswith("file://")
    assert values["CACHE"].endswith("FileBasedCache")
    # Fragments apart, in the web server's memory: culling them never touches the counters.
    assert values["FRAGMENTS"]["BACKEND"].endswith("LocMemCache")
    assert values["EMAIL_BACKEND"].endswith("console.EmailBackend")
    assert values["MEDIA_ROOT"] == str(tmp_path / "var" / "media")
    assert (tmp_path / "var" / "broker" / "queue").is_dir()


def test_database_url_selects_postgresql(tmp_path):
    values = settings_in(tmp_path, DATABASE_URL="postgres://postgres@db.internal:5432/vetting")
    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["DB_NAME"] == "vetting"
    assert values["CONN"] == [60, True]  # kept a minute, checked before reuse


def test_redis_url_selects_redis_for_broker_results_and_cache(tmp_path):
    values = settings_in(tmp_path, REDIS_URL="redis://cache.internal:6379/2")
    assert values["BROKER"] == "redis://cache.internal:6379/2"
    assert values["RESULTS"] == "redis://cache.internal:6379/2"
    assert values["CACHE"] == "django.core.cache.backends.redis.RedisCache"
    assert values["FRAGMENTS"] == {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://cache.internal:6379/2",
                                   "KEY_PREFIX": "fragments"}


def test_smtp_settings_select_the_smtp_backend(tmp_path):
    values = settings_in(tmp_path, EMAIL_HOST="smtp.clinic.example")
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


def test_session_idle_timeout_comes_from_the_environment(tmp_path):
    assert settings_in(tmp_path, SESSION_IDLE_TIMEOUT="900")["SESSION_COOKIE_AGE"] == 900


@pytest.mark.parametrize("name,value,message", [
    ("DEBUG", "perhaps", "DEBUG='perhaps' is not a boolean"),
    ("SESSION_IDLE_TIMEOUT", "soon", "SESSION_IDLE_TIMEOUT='soon' is not an integer"),
    ("DATABASE_URL", "nosuchdb://x", "DATABASE_URL is not a database URL"),
    ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD' is not one of"),
])
def test_bad_values_stop_the_start_naming_the_variable(tmp_path, name, value, message):
    result = run_python(tmp_path, PRINT_SETTINGS, **{name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = run_python(tmp_path, PRINT_SETTINGS, DEBUG="0", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    result = run_python(tmp_path, PRINT_SETTINGS, DEBUG="0", SECRET_KEY=LONG_KEY)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is required when DEBUG is off" in result.stderr


def test_production_defaults_pass_check_deploy(tmp_path):
    check = ["manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    result = run_python(tmp_path, args=check, DEBUG="0", SECRET_KEY=LONG_KEY,
                        ALLOWED_HOSTS="example.org", SITE_URL="https://example.org")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(("site_url", "warning"), [
    (None, "vetting.W001"), ("http://localhost:8000", "vetting.W001"),
    ("https://127.0.1.1", "vetting.W001"), ("https://0.0.0.0:8000", "vetting.W001"),
    ("http://[::1", "vetting.W001"), ("http://vetting.clinic.example", "vetting.W002")])
def test_check_deploy_warns_of_a_site_url_the_outside_cannot_use(tmp_path, site_url, warning):
    """Left at its default, SITE_URL printed http://127.0.0.1:8000/verify/ into every signed
    report, and nothing said so."""
    check = ["manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    extra = {"SITE_URL": site_url} if site_url else {}
    result = run_python(tmp_path, args=check, DEBUG="0", SECRET_KEY=LONG_KEY,
                        ALLOWED_HOSTS="example.org", **extra)
    assert result.returncode != 0
    assert warning in result.stderr + result.stdout


def test_check_warns_of_a_checklist_folder_that_is_not_there(tmp_path, settings):
    """A mistyped CHECKLIST_DIRS left load_checklists loading only the bundled versions,
    without a word."""
    from django.core.checks import run_checks

    (tmp_path / "versions").mkdir()
    settings.CHECKLIST_DIRS = [str(tmp_path / "versions"), str(tmp_path / "verisons")]
    warnings = [m for m in run_checks() if m.id == "vetting.W003"]
    assert [w.msg for w in warnings] == [
        f"CHECKLIST_DIRS names {str(tmp_path / 'verisons')!r}, which is not a folder: its "
        "checklist versions are not loaded."]


def test_production_security_settings_can_be_overridden(tmp_path):
    values = settings_in(tmp_path, DEBUG="0", SECRET_KEY=LONG_KEY, ALLOWED_HOSTS="example.org",
                         SECURE_SSL_REDIRECT="0")
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is False


def test_the_example_environment_is_read_alike_by_a_shell_and_by_systemd(tmp_path):
    """.env.example is what the README has an admin copy to /etc/clinic-vetting/env: a shell
    sources it (`set -a; . FILE`) for manage.py, and its values are those systemd's
    EnvironmentFile= gives the services (quotes removed)."""
    shell = subprocess.run(
        ["bash", "-c", f"set -a; . {ROOT / '.env.example'}; set +a; env -0"],
        capture_output=True, env={"PATH": os.environ["PATH"]}, check=True)
    assert shell.stderr == b""
    values = dict(item.split("=", 1) for item in shell.stdout.decode().split("\0") if item)
    assert values["DEFAULT_FROM_EMAIL"] == "Clinic Vetting <vetting@clinic.example>"
    assert values["CLINIC_NAME"] == "Example Dermatology Clinic"
    assert values["DEBUG"] == "0" and values["CHECKLIST_DIRS"] == ""
