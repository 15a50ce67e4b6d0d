"""Settings: the only module that reads MINZHENG_* environment variables (ARCHITECTURE §7 Configuration)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

django_stubs_ext.monkeypatch()  # lets admin.ModelAdmin[Model] etc. be subscripted at runtime

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("MINZHENG_PROJECT_DIR", Path.cwd()))
DATA_DIR = Path(os.environ.get("MINZHENG_DATA_DIR", PROJECT_DIR / "var"))

DEBUG = os.environ.get("MINZHENG_DEBUG", "").lower() in {"1", "true", "yes", "on"}
INSECURE_SECRET_PREFIX = "insecure-"
SECRET_KEY_FILE = DATA_DIR / "secret_key"
SECRET_KEY = os.environ.get("MINZHENG_SECRET_KEY", "")
if not SECRET_KEY and SECRET_KEY_FILE.exists():
    SECRET_KEY = SECRET_KEY_FILE.read_text().strip()  # written by `minzheng demo`
if not SECRET_KEY:
    # Only development and tests may run without a configured secret.
    SECRET_KEY = INSECURE_SECRET_PREFIX + "development-only-key-do-not-use-in-production"

PRODUCTION = os.environ.get("MINZHENG_ENV", "development") == "production"
if PRODUCTION and (DEBUG or SECRET_KEY.startswith(INSECURE_SECRET_PREFIX)):
    raise ImproperlyConfigured("Production refuses to start with MINZHENG_DEBUG on or the default secret key.")

ALLOWED_HOSTS = [h for h in os.environ.get("MINZHENG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
ROOT_REGION_CODE = os.environ.get("MINZHENG_ROOT_REGION", "500000")

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("MINZHENG_DATABASE_URL", f"sqlite:///{DATA_DIR / 'minzheng.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",  # serves the Swagger UI of /api/v1/docs from static files (no CDN on closed networks)
    "minzheng.core",
    "minzheng.registry",
    "minzheng.assistance",
    "minzheng.cases",
    "minzheng.payments",
    "minzheng.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "minzheng.core.middleware.ApplicationErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "minzheng.urls"
WSGI_APPLICATION = "minzheng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "minzheng.core.context_processors.actor",
            ],
        },
    }
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login rate limiting (django-axes): 5 failures per username and address lock the pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

SESSION_COOKIE_AGE = 30 * 60  # staff sessions end after 30 minutes without activity
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

# Application materials (scans, photos): outside the web root, served only by a view that checks access.
PRIVATE_FILES_DIR = Path(os.environ.get("MINZHENG_PRIVATE_FILES_DIR", DATA_DIR / "private"))
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024

# The resident portal's text messages: dotted path of a callable (phone, message) -> None. The default writes the
# message (with the login code) to the console log for the demo operator; production names its SMS gateway client.
MINZHENG_SMS_SENDER = os.environ.get("MINZHENG_SMS_SENDER", "minzheng.portal.sms.log_sender")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

NINJA_PAGINATION_PER_PAGE = 50

# Rule engine (DuckDB) limits: threads (default: DuckDB's own, all cores) and memory, e.g. "4GB".
ENGINE_THREADS = int(os.environ["MINZHENG_ENGINE_THREADS"]) if os.environ.get("MINZHENG_ENGINE_THREADS") else None
ENGINE_MEMORY = os.environ.get("MINZHENG_ENGINE_MEMORY") or None

# Dashboard counts are cached this long (seconds); 0 turns the cache off. Per process unless CACHES says otherwise.
COUNTS_CACHE_SECONDS = int(os.environ.get("MINZHENG_COUNTS_CACHE_SECONDS", "60"))
