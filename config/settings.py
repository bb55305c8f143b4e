"""Clientela settings, read from environment variables (see README, "Configuration")."""

import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CLIENTELA_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The key from SECRET_KEY, or one generated once and kept in var/ (never in git)."""
    key = env_str("SECRET_KEY", "")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "clientela.core",
    "clientela.accounts",
    "clientela.clients",
    "clientela.registry",
    "clientela.exchange",
    "clientela.web",
    "clientela.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "clientela.web.middleware.RefusalMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# SQLite in var/ by default (one machine, no other server); DATABASE_URL picks PostgreSQL at scale.
# Connections are kept for a minute on both: each gunicorn worker is one thread with one connection,
# and a kept SQLite connection keeps its page cache (a new one per request starts cold: the API's
# tax-id search took 15 ms instead of 10 at a million clients, docs/performance.md, finding 20).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'clientela.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server and the worker read while the other writes; IMMEDIATE
        # transactions take the write lock up front instead of failing half-way with "locked".
        # CLIENTELA_SQLITE_MMAP_MB reads the file through a memory map (the OS page cache, not copied
        # into each connection's): a name-ordered read of a million clients is 17 % faster, but each
        # process's resident size then counts the mapped pages it touched, up to the whole map: off
        # unless asked for (docs/performance.md, finding 29).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; "
        f"PRAGMA mmap_size={env_int('CLIENTELA_SQLITE_MMAP_MB', 0) * 2**20};",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["clientela.accounts.backends.RoleModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "clients:list"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("ca", _("Catalan")),
    ("ro", _("Romanian")),
    ("cs", _("Czech")),
    ("zh-hans", _("Simplified Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Prague")
USE_I18N = True
USE_TZ = True
# Not True: Django would then group every number a template prints, ids in form values and links
# included (value="23 643" posts back as no client at all). Numbers shown to people are grouped
# explicitly (intcomma, number_format with force_grouping).
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "clientela@localhost")

# Background work: a database-backed queue that `make run` serves with its own worker;
# at scale the same task code runs on worker processes on several machines.
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clientela.accounts.backends.RoleTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "clientela.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "clientela.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Clientela API",
    "DESCRIPTION": "Clients, groups and contacts of the Clientela CRM.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Lists count at most this many rows; above it they say "more than N" instead of counting a million.
CLIENTELA_COUNT_CAP = env_int("CLIENTELA_COUNT_CAP", 10_000)
CLIENTELA_PAGE_SIZE = env_int("CLIENTELA_PAGE_SIZE", 50)

# Imports (clientela.exchange): the largest file accepted, the widest table, and how long an import
# can be reverted in one action. A bigger migration goes through `manage.py import_clients`, which
# takes --max-size.
CLIENTELA_IMPORT_MAX_BYTES = env_int("CLIENTELA_IMPORT_MAX_MB", 100) * 1024 * 1024
CLIENTELA_IMPORT_MAX_COLUMNS = env_int("CLIENTELA_IMPORT_MAX_COLUMNS", 500)
CLIENTELA_IMPORT_REVERT_HOURS = env_int("CLIENTELA_IMPORT_REVERT_HOURS", 72)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Business registries (clientela.registry): the only outbound calls the product makes. Base URLs
# point at the public services; tests and air-gapped installs point them elsewhere.
REGISTRY_ARES_URL = env_str("REGISTRY_ARES_URL", "https://ares.gov.cz").rstrip("/")
REGISTRY_ANAF_URL = env_str("REGISTRY_ANAF_URL", "https://webservicesp.anaf.ro").rstrip("/")
REGISTRY_VIES_URL = env_str("REGISTRY_VIES_URL", "https://ec.europa.eu").rstrip("/")
REGISTRY_TIMEOUT = float(env_int("REGISTRY_TIMEOUT", 5))  # seconds per request
REGISTRY_CACHE_SECONDS = env_int("REGISTRY_CACHE_SECONDS", 86_400)


def _web_search_sites() -> list[dict]:
    """Sites the client page links to, as JSON in WEB_SEARCH_SITES: [{"name", "url" with {query}, "countries"}]."""
    import json

    from django.core.exceptions import ImproperlyConfigured

    raw = env_str("WEB_SEARCH_SITES", "")
    if not raw:
        return [
            {"name": "Firmy.cz", "url": "https://www.firmy.cz/?q={query}", "countries": ["CZ"]},
            {"name": "Google", "url": "https://www.google.com/search?q={query}", "countries": []},
        ]
    try:
        sites = json.loads(raw)
        if not all(isinstance(site["name"], str) and "{query}" in site["url"] for site in sites):
            raise ValueError
    except (ValueError, TypeError, KeyError):
        raise ImproperlyConfigured(
            'WEB_SEARCH_SITES must be a JSON list of {"name": ..., "url": "...{query}...", "countries": [...]}'
        ) from None
    return sites


WEB_SEARCH_SITES = _web_search_sites()
