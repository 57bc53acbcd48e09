"""Shared test setup: role factories, fast hashing, in-memory mail, eager tasks.

Under CI=true the suite must run on real PostgreSQL and Redis; a missing
service there fails the run instead of skipping tests.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from clinic.celery import app as celery_app

IN_CI = os.environ.get("CI") == "true"

pytest_plugins = ["tests.browser"]

hypothesis_settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile("dev", max_examples=100, deadline=None)
hypothesis_settings.load_profile("ci" if IN_CI else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_configure(config) -> None:
    # Unit tests run tasks in-process; the integration tests switch this off.
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


def pytest_sessionstart(session) -> None:
    if not IN_CI:
        return
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        pytest.exit(f"CI=true but the database engine is {engine}; set DATABASE_URL.", 3)
    if not str(celery_app.conf.broker_url).startswith("redis://"):
        pytest.exit("CI=true but the Celery broker is not Redis; set REDIS_URL.", 3)


@pytest.fixture(scope="session")
def signing_dir(tmp_path_factory):
    """A local CA and signing certificate, made once per test session."""
    from django.test import override_settings

    from vetting.reports.signing import issue_certificate

    folder = tmp_path_factory.mktemp("signing")
    with override_settings(SIGNING_DIR=folder, REPORT_SIGNING_P12=None,
                           REPORT_SIGNING_PASSPHRASE=None, CLINIC_NAME="Test Clinic"):
        issue_certificate()
    return folder


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path, signing_dir):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "template_fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                               "LOCATION": "fragments"},
    }
    settings.SECURE_SSL_REDIRECT = False
    settings.SIGNING_DIR = signing_dir
    settings.REPORT_SIGNING_P12 = None
    settings.REPORT_SIGNING_PASSPHRASE = None
    settings.CLINIC_NAME = "Test Clinic"
    from django.core.cache import caches

    for alias in settings.CACHES:  # rate limits, lock-outs and fragments start afresh
        caches[alias].clear()


PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def make_user(django_user_model):
    """Create a user holding the given roles (groups are recreated if flushed)."""
    from django.contrib.auth.models import Group

    counter = {"n": 0}

    def make(*roles: str, username: str | None = None, **extra):
        counter["n"] += 1
        user = django_user_model.objects.create_user(
            username=username or f"user{counter['n']}",
            email=f"{username or 'user' + str(counter['n'])}@clinic.example",
            password=PASSWORD,
            **extra,
        )
        for role in roles:
            group, _ = Group.objects.get_or_create(name=role)
            user.groups.add(group)
        return user

    return make


@pytest.fixture
def practitioner(make_user):
    return make_user("practitioner", username="pia")


@pytest.fixture
def reviewer(make_user):
    return make_user("reviewer", username="rui")


@pytest.fixture
def admin_user(make_user):
    return make_user("admin", username="ada", is_staff=True)


@pytest.fixture
def norole_user(make_user):
    return make_user(username="nora")


@pytest.fixture
def client_for(client):
    """Log a client in as the given user (None: stay anonymous)."""

    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login


@pytest.fixture
def checklist_version(db):
    """Checklist v1 loaded into the database (as `load_checklists` does)."""
    from vetting.models import ChecklistVersion
    from vetting.services import checklists_load_all

    checklists_load_all()
    return ChecklistVersion.objects.get(version="1")


@pytest.fixture
def vendor(db):
    from vetting.models import Vendor

    return Vendor.objects.create(name="Aurora Regenerative Labs", country="United States")


@pytest.fixture
def product(vendor):
    from vetting.models import Product

    return Product.objects.create(vendor=vendor, name="Glow Exosome Serum",
                                  category="exosome_ev", form="topical")


@pytest.fixture
def assessment(checklist_version, product, practitioner):
    """A draft assessment of `product`, started by the practitioner."""
    from vetting.services import assessment_create

    return assessment_create(user=practitioner, product=product)


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def count_queries(client, url: str) -> int:
    """The SQL queries one GET of a page makes (it must answer 200): for the tests that a
    page's queries do not grow with the records it lists."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def pdf_upload():
    """A factory of small valid-looking PDF uploads."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def make(name: str = "certificate.pdf", content: bytes = PDF_BYTES):
        return SimpleUploadedFile(name, content, content_type="application/pdf")

    return make
