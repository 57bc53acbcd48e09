"""Settings for Clinic Vetting, read from the environment.

With no environment at all the project runs on the embedded default: DEBUG on,
SQLite, media, cache and a file-system Celery broker under ./var, so one
machine needs no server. DATABASE_URL switches to PostgreSQL; REDIS_URL switches the
broker, result backend and caches to Redis (CELERY_BROKER_URL, the broker alone).
Every variable is listed in the README's configuration table.
"""

from __future__ import annotations

import re
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from clinic.env import env_bool, env_choice, env_int, env_list, env_required, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-never-use-in-production")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
else:
    SECRET_KEY = env_required("SECRET_KEY", "when DEBUG is off")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "The environment variable ALLOWED_HOSTS is required when DEBUG is off "
            "(comma-separated host names, e.g. vetting.example.org)."
        )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The site's address as the outside world reaches it: the vendor portal links e-mailed.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Vendor portal (/v/<token>/): requests per client address, in the shared cache.
PORTAL_RATE_GET = env_str("PORTAL_RATE_GET", "60/m")
PORTAL_RATE_POST = env_str("PORTAL_RATE_POST", "20/m")
# The live check of which questions apply, asked as the vendor changes each answer (it reads
# and writes nothing): a fast vendor reaches 20 a minute.
PORTAL_RATE_PREVIEW = env_str("PORTAL_RATE_PREVIEW", "120/m")
# The public verification page (/verify/): requests per client address.
VERIFY_RATE = env_str("VERIFY_RATE", "20/m")
for _name in ("PORTAL_RATE_GET", "PORTAL_RATE_POST", "PORTAL_RATE_PREVIEW", "VERIFY_RATE"):
    if not re.fullmatch(r"[1-9]\d*/\d*[smhd]", globals()[_name]):
        raise ImproperlyConfigured(f"{_name} must look like 60/m (requests per s, m, h or d).")
PORTAL_MAX_UPLOADS_PER_SUBMISSION = env_int("PORTAL_MAX_UPLOADS_PER_SUBMISSION", 40, minimum=1)
# Behind the reverse proxy every request comes from the proxy: count the address it
# appends to X-Forwarded-For instead (only when the proxy is the sole way in).
PORTAL_TRUST_X_FORWARDED_FOR = env_bool("PORTAL_TRUST_X_FORWARDED_FOR", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",  # django-bootstrap-static: Bootstrap 5 files served locally, no CDN
    "axes",
    "vetting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "clinic.middleware.RequestSizeLimit",  # before anything reads the body
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clinic.middleware.NoStoreForSignedIn",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vetting.permissions.roles_context",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        # Connections kept for a minute, checked before reuse (a restarted server).
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60,
                                                      conn_health_checks=True)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # Web server and worker share the file: wait for a lock instead of failing.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker, results ----------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL is None:
    # kombu's file-system transport: a local queue in a folder, no server needed.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        # Broadcast (remote control) messages too, or kombu writes ./control/.
        "control_folder": str(BROKER_DIR / "control"),
    }
if CELERY_RESULT_BACKEND is None:
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'results'}"

# The embedded default keeps its state in folders that must exist before the
# broker, the result store or SQLite can open them.
for _folder in ("broker/queue", "broker/processed", "broker/control", "results", "cache"):
    (VAR_DIR / _folder).mkdir(parents=True, exist_ok=True)

# Rendered page fragments (the dashboard, templates/vetting/dashboard.html) have a cache of
# their own: a full cache drops entries at random, and fragments must never push out the
# rate-limit and signing lock-out counters kept in "default".
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": REDIS_URL},
        "template_fragments": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                               "LOCATION": REDIS_URL, "KEY_PREFIX": "fragments"},
    }
else:
    # A file cache is shared by the web server and the worker on one machine
    # (rate limits must hold across processes); LocMem would not be. Fragments are only
    # served by the web server: kept in its memory.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                    "LOCATION": str(VAR_DIR / "cache")},
        "template_fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                               "LOCATION": "fragments", "OPTIONS": {"MAX_ENTRIES": 1000}},
    }

CELERY_TASK_ALWAYS_EAGER = False  # only unit tests switch this on (tests/conftest.py)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "clinic")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat's hours are in CELERY_TIMEZONE (UTC), whatever TIME_ZONE says; the tasks count
# days in the clinic's TIME_ZONE, and each reminder is claimed once, so the hour only
# decides when the e-mails arrive (05:00 UTC: early morning in Europe, night in the Americas).
CELERY_BEAT_SCHEDULE: dict = {
    "expiry-reminders": {"task": "vetting.send_expiry_reminders",
                         "schedule": crontab(hour=5, minute=0)},
    "weekly-digest": {"task": "vetting.send_weekly_digest",
                      "schedule": crontab(hour=5, minute=30, day_of_week="mon")},
    # SQLite only (PostgreSQL's autovacuum does its own): the planner's statistics.
    "planner-statistics": {"task": "vetting.refresh_planner_statistics",
                           "schedule": crontab(hour=4, minute=30)},
}
CELERY_TIMEZONE = "UTC"
HEALTH_CHECK_TIMEOUT = env_int("HEALTH_CHECK_TIMEOUT", 2, minimum=1)

# --- Auth -----------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out clients first
    "django.contrib.auth.backends.ModelBackend",  # refuses inactive users
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10, minimum=8)}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "clinic.client_ip.client_ip"  # honours PORTAL_TRUST_X_FORWARDED_FOR
AXES_VERBOSE = False

# Sessions end after this many seconds without a request (idle timeout).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Security (production defaults; each can be overridden) -------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# /healthz is probed over plain HTTP by load balancers inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Files -------------------------------------------------------------------------
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # files are served only through permission-checked views
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise looks for it at start-up
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# --- Signed reports ---------------------------------------------------------------
CLINIC_NAME = env_str("CLINIC_NAME", "Clinic Vetting")
SIGNING_DIR = Path(env_str("SIGNING_DIR", str(VAR_DIR / "signing")))
# A clinic's own PKCS#12 (key + certificate + chain); unset: SIGNING_DIR/signer.p12, made
# by `python manage.py issue_signing_certificate`. The passphrase also takes a _FILE form.
REPORT_SIGNING_P12 = env_str("REPORT_SIGNING_P12")
REPORT_SIGNING_PASSPHRASE = env_str("REPORT_SIGNING_PASSPHRASE")
REPORT_TASK_MAX_RETRIES = env_int("REPORT_TASK_MAX_RETRIES", 3, minimum=0)
VERIFY_MAX_BYTES = env_int("VERIFY_MAX_BYTES", 25 * 1024 * 1024, minimum=1024)

# Extra folders with checklist version files (v2.yaml, ...) for load_checklists.
CHECKLIST_DIRS = env_list("CHECKLIST_DIRS")
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A request declaring a larger body is refused before it is read (several files saved at
# once with a step, and the form): clinic.middleware.RequestSizeLimit.
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", 3 * UPLOAD_MAX_BYTES + 1024 * 1024,
                            minimum=1024 * 1024)

# --- E-mail -------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("Set at most one of EMAIL_USE_TLS and EMAIL_USE_SSL.")
else:
    # No SMTP server configured: print mail on the console (development).
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Clinic Vetting <vetting@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Locale -------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")  # the clinic's time zone, for dates shown and due
USE_I18N = True
USE_TZ = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Django's widget templates, the common ones written in Python (same HTML, faster).
FORM_RENDERER = "vetting.forms.renderer.FastWidgetRenderer"

# --- Logging: one line per event on stderr --------------------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {"redact_portal_tokens": {"()": "clinic.log_filters.RedactPortalTokens"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                   "formatter": "line", "filters": ["redact_portal_tokens"]},
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},  # WeasyPrint's font subsetting is chatty
        "weasyprint": {"level": "WARNING"},
        # Django's own request and runserver lines go through the redacting handler too
        # (its default handlers would print them unfiltered).
        "django": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
