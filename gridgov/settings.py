"""gridgov settings: configuration only, every value from the environment with demo defaults.

GRIDGOV_PROFILE=production switches on the secure defaults that `manage.py check --deploy`
expects (HTTPS cookies, HSTS, no DEBUG) and refuses to start without a real SECRET_KEY.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GRIDGOV_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PROFILE = os.environ.get("GRIDGOV_PROFILE", "demo")
PRODUCTION = PROFILE == "production"

DEMO_SECRET_KEY = "demo-only-insecure-key-change-me-in-production-0123456789abcdef"
SECRET_KEY = os.environ.get("SECRET_KEY", "" if PRODUCTION else DEMO_SECRET_KEY)
if PRODUCTION and (not SECRET_KEY or SECRET_KEY == DEMO_SECRET_KEY):
    raise ImproperlyConfigured("SECRET_KEY must be set in the production profile")

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "core",
    "accounts",
    "areas",
    "cases",
    "registry",
    "open311",
    "indicators",
    "earlywarning",
    "web",
    "integrations",
    "disputes",
    "meetings",
    "gridtasks",
    # engagement (docs/engagement.md)
    "volunteers",
    "party",
    "patrols",
    "cobuilding",
]

MIDDLEWARE = [
    "core.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gridgov.urls"
WSGI_APPLICATION = "gridgov.wsgi.application"

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
                "django.template.context_processors.i18n",
                "core.context_processors.gridgov",
            ],
        },
    },
]

# SQLite is the embedded default; PostgreSQL in production through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'gridgov.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    # a file, not memory: concurrency tests need SQLite's real locking (shared-cache memory
    # databases fail with "table is locked" instead of waiting)
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("SQLITE_TEST_NAME", str(Path(tempfile.gettempdir()) / f"test-gridgov-{os.getpid()}.sqlite3"))
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and os.environ.get("DB_JIT", "off") != "on":
    # No JIT: PostgreSQL compiles a statement with LLVM once its estimated cost passes
    # jit_above_cost, and gridgov's statements are short (indexed claims, reports, rollups): the
    # compile, seconds on a small machine (the deadline sweep over a million open cases took 2 s
    # longer with it, a sweep that found nothing 2.3 s instead of 0.2 s), costs more than it saves.
    # DB_JIT=on gives the server's own setting back.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = (options.get("options", "") + " -c jit=off").strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The client address is REMOTE_ADDR. Behind a reverse proxy, list the proxy's addresses or networks
# in TRUSTED_PROXIES (comma-separated, e.g. "127.0.0.1,10.0.0.0/8"): for requests from them only,
# core.middleware.TrustedProxyMiddleware takes the client from X-Forwarded-For (rightmost untrusted
# hop) and puts it in REMOTE_ADDR, for the audit log, the rate limits and axes alike.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")

# Login security: 5 failures lock the account (by username, whatever the client address claims)
# for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_IPWARE_PROXY_COUNT = 0
AXES_VERBOSE = False
# axes suggests locking by IP too; we lock by username on purpose (an attacker cannot dodge the
# lock by changing address, and a shared office NAT does not lock everyone out).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Idle sessions end after SESSION_IDLE_MINUTES without a request.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# The demo serves static files straight from the app folders (WhiteNoise finders); production
# runs collectstatic into STATIC_ROOT.
STATIC_ROOT = Path(os.environ["STATIC_ROOT"]) if os.environ.get("STATIC_ROOT") else None
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# GeoJSON boundary files of a whole district arrive as request bodies.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(20 * 1024 * 1024)))

REST_FRAMEWORK = {
    # Token first: a missing or wrong token is a 401 with `WWW-Authenticate: Token` (not a 403)
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["core.api.filters.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "gridgov API",
    "DESCRIPTION": "Grid-based social governance: areas, staff, departments, roles, the case loop.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the drf-spectacular-sidecar package: no CDN
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # every operation declares its error responses (core/api/schema.py)
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.api.schema.add_error_responses"],
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "cases.choices.CaseState",
        "TaskStateEnum": "cases.choices.TaskState",
        "OwnerLevelEnum": "cases.choices.OwnerLevel",
        "AreaLevelEnum": "areas.choices.Level",
    },
}

# The absolute base of the URL in each grid's QR poster (scheme and host, e.g.
# https://wg.example.gov.cn); empty: the host of the request that renders the poster.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")


# Map: no tile server is reachable in the demo; deployments set a tile URL template (e.g. 天地图).
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")

# Area boundaries: how far a child may stick out of its parent, and how much siblings may overlap,
# as a share of the smaller polygon's area.
AREA_CONTAINMENT_TOLERANCE = float(os.environ.get("AREA_CONTAINMENT_TOLERANCE", "0.001"))
AREA_OVERLAP_TOLERANCE = float(os.environ.get("AREA_OVERLAP_TOLERANCE", "0.001"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

if PRODUCTION:
    DEBUG = False
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    STATIC_ROOT = STATIC_ROOT or VAR_DIR / "static"
    WHITENOISE_USE_FINDERS = False
    WHITENOISE_AUTOREFRESH = False
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# Office hours for time limits counted in working hours (working days: see core/workcalendar.py).
WORKDAY_START = os.environ.get("WORKDAY_START", "09:00")
WORKDAY_END = os.environ.get("WORKDAY_END", "17:00")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "core.notify.LoggingSmsBackend")

# The case loop: how long a closed case may be reopened, and what counts as a possible duplicate.
CASE_REOPEN_DAYS = int(os.environ.get("CASE_REOPEN_DAYS", "30"))
DUPLICATE_RADIUS_M = int(os.environ.get("DUPLICATE_RADIUS_M", "200"))
DUPLICATE_DAYS = int(os.environ.get("DUPLICATE_DAYS", "7"))

# Background jobs: django-tasks with its database backend (`manage.py db_worker` works the queue).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SWEEP_INTERVAL_SECONDS = int(os.environ.get("SWEEP_INTERVAL_SECONDS", "60"))

# Rate limits of the public endpoints, per client address (REMOTE_ADDR) and, for Open311, per API
# key: "N/s", "N/m", "N/h" or "N/d" ("100/5m" too); empty or "0" switches a limit off. Counted in
# the database, so all worker processes share them (core/ratelimit.py).
RATE_LIMIT_PUBLIC = os.environ.get("RATE_LIMIT_PUBLIC", "30/m")  # QR report POST, tracking page, Open311 tokens
RATE_LIMIT_OPEN311 = os.environ.get("RATE_LIMIT_OPEN311", "60/m")  # Open311 POST, per address and per key

# Webhooks and the 12345 bridge (integrations/, docs/webhooks.md): the delivery worker's request
# timeout, lease on a claimed delivery, attempts before "failed", first retry delay (doubling, with
# jitter, capped at WEBHOOK_RETRY_MAX_SECONDS) and how often the recurring job runs.
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5"))
WEBHOOK_LEASE_SECONDS = int(os.environ.get("WEBHOOK_LEASE_SECONDS", "60"))
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "8"))
WEBHOOK_RETRY_BASE_SECONDS = int(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "30"))
WEBHOOK_RETRY_MAX_SECONDS = int(os.environ.get("WEBHOOK_RETRY_MAX_SECONDS", "3600"))
WEBHOOK_INTERVAL_SECONDS = int(os.environ.get("WEBHOOK_INTERVAL_SECONDS", "5"))
HOTLINE_MAX_SKEW_SECONDS = int(os.environ.get("HOTLINE_MAX_SKEW_SECONDS", "300"))
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({
    "DeliveryStateEnum": "integrations.choices.DeliveryState",
    "EndpointKindEnum": "integrations.choices.EndpointKind",
    "WebhookEventTypeEnum": "integrations.choices.EventType",
})
# Community work: choice sets whose field names ("state", "kind", "role") other components use too
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({
    "DisputeStateEnum": "disputes.choices.DisputeState",
    "DisputeKindEnum": "disputes.choices.DisputeKind",
    "MediationKindEnum": "disputes.choices.MediationKind",
    "DisputePartyRoleEnum": "disputes.choices.PartyRole",
    "GridTaskKindEnum": "gridtasks.choices.TaskKind",
})
# Party, volunteers, co-building write API: choice sets named "kind"/"state" like other components'
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({
    "PartyOrganizationKindEnum": "party.choices.OrgKind",
    "PartyMemberKindEnum": "party.choices.MemberKind",
    "ListEntryKindEnum": "cobuilding.choices.EntryKind",
    "CobuildingProjectStateEnum": "cobuilding.choices.ProjectState",
})
