"""Settings shared by every profile; deployment specifics come from the environment."""

import datetime as dt
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable into a list of non-empty items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "insecure-local-development-key-not-for-production"
)
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "knox",
    "corsheaders",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "treatments",
    "partners",
    "events",
    "events.webhooks",
    "editorial",
    "editorial.releases",
    "editorial.previews",
    "editorial.translations",
    "api",
    "embed",
]

MIDDLEWARE = [
    # Hardening (issue 22): first, so that nothing sees an X-Forwarded-Proto (or -Host, -Port)
    # that did not come from one of TRUSTED_PROXIES (api/client_ip.py).
    "api.client_ip.ProxyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Surrogate keys for the edge cache, on every answer below (hot ones too); off without one.
    "api.edge.SurrogateKeyMiddleware",
    # Outside everything that may answer, so errors (401, 429, problems) carry CORS headers too.
    "corsheaders.middleware.CorsMiddleware",
    "api.csp.HTMLContentSecurityPolicyMiddleware",
    "api.middleware.RequestIdMiddleware",
    "api.ratelimit.headers.RateLimitHeadersMiddleware",
    # API evolution: Deprecation, Sunset and Link on answers that concern something deprecated
    # (api/deprecation.py), outside the fast paths so that answers from memory get them too.
    "api.deprecation.DeprecationHeadersMiddleware",
    # Hardening (issue 22): answers to keyed requests are `private` (api/partner_keys.py).
    "api.partner_keys.PrivateKeyedResponsesMiddleware",
    "api.middleware.ProblemDetailsMiddleware",
    "api.middleware.DatabaseUnavailableMiddleware",
    # Hardening (issue 22): an admin list filter the database refuses is a 400, not a 500.
    "api.admin_guard.AdminLookupGuardMiddleware",
    "api.compression.StrongETagGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
    # Last: repeat public reads from worker memory, after every other middleware.
    "api.v1.hot_reads.HotReadMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The site-wide admin template (admin/base_site.html: one stylesheet for every admin page).
        "DIRS": [BASE_DIR / "config" / "templates"],
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

# SQLite by default so a fresh clone runs with no server; DATABASE_URL selects PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        # On by default: a kept connection is checked before a request uses it, so a database
        # restart costs readers nothing. On PostgreSQL the check costs no round trip while the
        # connection is busy (config/database/postgresql/base.py).
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
    )
}
POSTGRESQL_ENGINES = frozenset({"django.db.backends.postgresql", "config.database.postgresql"})


def checked_connections(database: Any) -> Any:
    """`database` served by the project's PostgreSQL backend, whose health check sends
    `SELECT 1` only to a connection unused for DATABASE_HEALTH_CHECK_INTERVAL seconds (1 by
    default; 0: before every request, as Django) or whose socket says the server ended it, and
    which prepares the public read path's hot queries (DATABASE_PREPARED_STATEMENTS)."""
    if database["ENGINE"] in POSTGRESQL_ENGINES:
        database["ENGINE"] = "config.database.postgresql"
        database["HEALTH_CHECK_INTERVAL"] = float(
            os.environ.get("DATABASE_HEALTH_CHECK_INTERVAL", "1")
        )
        # The hot reads' prepared statements (on unless this is 0: a pooler that cannot keep
        # them, PgBouncer before 1.21 in transaction mode); OPTIONS["prepare_threshold"] None.
        preparing = env_bool("DATABASE_PREPARED_STATEMENTS", True)
        if not preparing:
            database.setdefault("OPTIONS", {})["prepare_threshold"] = None
        # The planner's cost of a page read out of order (DATABASE_RANDOM_PAGE_COST; empty: the
        # server's own setting). 1.1 by default: the catalogue's pages come from memory. With
        # preparing off, the setting for connection poolers, the session is started with no
        # libpq `options` unless this is set: PgBouncer before 1.20 refuses any.
        database["RANDOM_PAGE_COST"] = random_page_cost(
            os.environ.get("DATABASE_RANDOM_PAGE_COST", "1.1" if preparing else "")
        )
    return database


def random_page_cost(raw: str) -> str:
    """DATABASE_RANDOM_PAGE_COST as PostgreSQL takes it: a positive number, or empty."""
    value = raw.strip()
    if not value:
        return ""
    digits = value.replace(".", "", 1)
    if not (digits.isascii() and digits.isdigit() and 0 < float(value) <= 1e6):
        raise ImproperlyConfigured(
            f"DATABASE_RANDOM_PAGE_COST={raw!r}: give a positive number such as 1.1, or leave "
            "it empty to keep the server's setting."
        )
    return value


checked_connections(DATABASES["default"])
# The embedded default (SQLite) takes concurrent editors and a worker beside the web server:
# WAL lets readers go on while one writer writes; IMMEDIATE transactions take the write lock
# when they begin, so a second writer waits its turn (the busy timeout, in seconds) instead of
# failing with "database is locked" when it tries to upgrade a read lock mid-transaction. Two
# racing saves then give one 200 and one 412, never a 503.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": float(os.environ.get("SQLITE_BUSY_TIMEOUT", "20")),
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        **DATABASES["default"].get("OPTIONS", {}),
    }
# An optional read replica of DATABASE_URL: the public read path reads it, everything else (the
# editor API, the admin, every write, the worker, edge refills) the primary (api/replica.py).
# In the test suite it mirrors the primary (Django's TEST MIRROR). Unset, nothing is routed.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(
            DATABASE_REPLICA_URL,
            conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
            conn_health_checks=DATABASES["default"]["CONN_HEALTH_CHECKS"],
        ),
        "TEST": {"MIRROR": "default"},
    }
    checked_connections(DATABASES["replica"])
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["replica"]["OPTIONS"] = {
            "timeout": DATABASES["default"].get("OPTIONS", {}).get("timeout", 20.0)
        }
    DATABASE_ROUTERS = ["api.replica.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# While the database cannot answer, requests get 503 with this Retry-After (api/outage.py).
DATABASE_RETRY_AFTER = int(os.environ.get("DATABASE_RETRY_AFTER", "5"))

# Background work (events/): Django's tasks API (django.tasks in Django 6, the django-tasks
# backport here) on the database backend of django-tasks-db. A task enqueued inside a
# transaction is a row written by that transaction: a rolled-back change enqueues nothing, a
# committed one loses nothing. `manage.py run_worker` runs them (docs/operators/worker.md).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "email", "webhooks"],
    }
}
# A worker that has not written its heartbeat for this many seconds is presumed dead, and the
# tasks it was running go back to the queue (at-least-once; events/worker.py).
TASKS_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("TASKS_WORKER_HEARTBEAT_SECONDS", "5"))
TASKS_WORKER_LOST_AFTER_SECONDS = float(os.environ.get("TASKS_WORKER_LOST_AFTER_SECONDS", "30"))
# How often an event handler is tried before its run is marked failed; between tries it waits
# EVENTS_RETRY_BASE_SECONDS x 2^(attempt-1), with jitter, at most EVENTS_RETRY_MAX_SECONDS.
EVENTS_HANDLER_MAX_ATTEMPTS = int(os.environ.get("EVENTS_HANDLER_MAX_ATTEMPTS", "8"))
EVENTS_RETRY_BASE_SECONDS = float(os.environ.get("EVENTS_RETRY_BASE_SECONDS", "10"))
EVENTS_RETRY_MAX_SECONDS = float(os.environ.get("EVENTS_RETRY_MAX_SECONDS", "3600"))

# Email is sent by the worker (events.email.send_email), never inside a request. The console
# backend prints it by default; EMAIL_HOST selects SMTP.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "treatments@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# In-process cache by default; REDIS_URL selects Redis through django-redis, whose
# IGNORE_EXCEPTIONS turns a Redis outage into cache misses instead of 500s.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "TIMEOUT": 300,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.25,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "treatment-knowledge",
        }
    }

# Brute-force protection of password sign-in (the admin) with django-axes: after
# AXES_FAILURE_LIMIT failures for one username from one address, that pair is locked out for
# AXES_COOLOFF_MINUTES (429 and a lockout page). `manage.py axes_reset` unlocks everyone.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
# Username and address together: no one can lock a colleague out from elsewhere, and a NAT
# shared by a whole office is not locked for one person's typos. "ip_address" alone is stricter.
AXES_LOCKOUT_PARAMETERS = [
    [name.strip() for name in group.split("+")]
    for group in env_list("AXES_LOCKOUT_PARAMETERS", "username+ip_address")
]
AXES_CLIENT_IP_CALLABLE = "api.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
# Hardening (issue 22): a failed sign-in is recorded under at most 255 characters of its
# username (what axes can store), so any length is counted, never a 500 (api/admin_guard.py).
AXES_USERNAME_CALLABLE = "api.admin_guard.axes_username"

# Content-Security-Policy of our HTML pages (the admin, Swagger UI, ReDoc; api/csp.py). Every
# asset is local; styles may be inline because ReDoc and Swagger UI inject their CSS at run
# time, and ReDoc runs its search in a worker made from a blob: URL.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
# The embeddable card's own labels ("Risks", ...) and phrases ("for the first 72 hours") are gettext
# messages rendered in the document's language; a reviewed catalogue for a language goes in
# locale/<lang>/LC_MESSAGES/django.po (docs/partners/card.md). English shows where there is none.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Requests bigger than this are refused with 413 before any view runs.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Rate limits (api/throttles.py, api/ratelimit/): GCRA, one key per client, in Redis when
# RATE_LIMIT_REDIS_URL (default: REDIS_URL) is set, else in each worker's memory.
# Anonymous callers are limited per address: API_ANON_RATE requests per period, refilled
# continuously, up to API_ANON_BURST at once (default: the whole quota). Partners' keys use
# their plan's requests per minute and burst.
API_ANON_RATE = os.environ.get("API_ANON_RATE", "600/minute")
API_ANON_BURST = int(os.environ["API_ANON_BURST"]) if os.environ.get("API_ANON_BURST") else None
# X-Forwarded-For is believed only from these proxies (IPs or CIDR ranges, comma-separated);
# unset, no proxy is trusted and the peer address is the client (api/client_ip.py).
TRUSTED_PROXIES = [p for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
RATE_LIMIT_REDIS_URL = os.environ.get("RATE_LIMIT_REDIS_URL", REDIS_URL)
# Redis down or hung must neither fail nor stall requests: each limiter call gives up after
# this many seconds, and after RATE_LIMIT_BREAKER_FAILURES consecutive failures a circuit
# breaker stops calling Redis for RATE_LIMIT_BREAKER_COOLDOWN seconds (then one trial call).
# Meanwhile limits FAIL OPEN to a per-worker memory limiter: each worker enforces the full
# rate on its own, so a client may get up to (workers x rate) until Redis is back.
RATE_LIMIT_REDIS_TIMEOUT = float(os.environ.get("RATE_LIMIT_REDIS_TIMEOUT", "0.1"))
RATE_LIMIT_BREAKER_FAILURES = int(os.environ.get("RATE_LIMIT_BREAKER_FAILURES", "3"))
RATE_LIMIT_BREAKER_COOLDOWN = float(os.environ.get("RATE_LIMIT_BREAKER_COOLDOWN", "5"))
RATE_LIMIT_MEMORY_MAX_KEYS = int(os.environ.get("RATE_LIMIT_MEMORY_MAX_KEYS", "100000"))

REST_FRAMEWORK = {
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "DEFAULT_VERSION": "v1",
    "ALLOWED_VERSIONS": ["v1"],
    # Closed by default: every view opts in to what it allows.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.TreatmentCursorPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.problem_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.PublicRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": API_ANON_RATE,
        "user": os.environ.get("API_USER_RATE", "3000/minute"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# Editor API tokens (django-rest-knox): stored hashed, revocable, expiring.
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(days=int(os.environ.get("API_TOKEN_TTL_DAYS", "90"))),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Treatment Knowledge API",
    "DESCRIPTION": (
        "Clinical treatment knowledge as structured, versioned JSON: ordered procedure steps, "
        "risks with likelihood, recovery rules, expected timelines and the recommended course. "
        "Only reviewed, published revisions are served publicly."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SORT_OPERATION_PARAMETERS": True,
    "ENUM_NAME_OVERRIDES": {
        # Clinical review (editorial): `state` names more than one vocabulary.
        "ReviewStateEnum": "api.v1.editor.review_schemas.REVIEW_STATES",
        "ReviewRoundStateEnum": "api.v1.editor.review_schemas.ROUND_STATES",
        "StateEnum": "api.v1.editor.review_schemas.WORKING_COPY_STATES",
        # Webhooks (api/v1/webhooks/): named, so they never take another "state" enum's name.
        "DeliveryStateEnum": "events.webhooks.models.DeliveryState",
        "WebhookEventTypeEnum": "events.types.EventType",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.v1.renditions.hooks.document_detail_jsonld",
        "api.outage.document_service_unavailable",
        # Hardening (issue 22): 414 and 431, answered by gunicorn before any view.
        "api.openapi.document_request_limits",
        "api.openapi.postprocess_for_client_generators",
        # API evolution: `deprecated: true` and the Deprecation/Sunset headers, from one registry.
        "api.deprecation.mark_deprecated",
    ],
    "TAGS": [
        {"name": "root", "description": "The entry point: links to everything in API v1."},
        {"name": "categories", "description": "Groups of treatments, e.g. pain treatments."},
        {"name": "treatments", "description": "Published treatment documents."},
        {"name": "revisions", "description": "The immutable published history of a treatment."},
        {"name": "schemas", "description": "Machine-readable contracts of the documents."},
        {"name": "structured-data", "description": "schema.org JSON-LD for search engines."},
        {"name": "oembed", "description": "oEmbed 1.0: the embeddable card for a card URL."},
        {
            "name": "changelog",
            "description": "What changed in API v1 and what is deprecated (API evolution).",
        },
        {
            "name": "sync",
            "description": "Offline apps: a delta feed with deletions, and an offline bundle.",
        },
        {
            "name": "editor",
            "description": "Authenticated editing of working copies, publishing and import/export. "
            "Writes need `If-Match` with the working copy's current ETag.",
        },
        {
            "name": "webhooks",
            "description": "Partners' webhook endpoints, signed per Standard Webhooks: "
            "register, test, rotate the secret, read the delivery log. Needs your secret key.",
        },
    ],
}

# The catalogue's language (BCP 47): the language of every category's own name and description
# (`Category`); names in other languages are `CategoryName` rows, public only through the
# publication of a document in that language (docs/editors/translations.md). Set it once, before
# the first category is made; `manage.py check` refuses a tag that is not well-formed.
CATALOGUE_LANGUAGE = os.environ.get("CATALOGUE_LANGUAGE", "en")
# Content review: when a reviewer gives no next-review date, it is this many days after review.
TREATMENT_REVIEW_INTERVAL_DAYS = int(os.environ.get("TREATMENT_REVIEW_INTERVAL_DAYS", "365"))
# How long shared caches may keep a live document, and serve it stale while revalidating.
PUBLIC_MAX_AGE = int(os.environ.get("PUBLIC_MAX_AGE", "300"))
PUBLIC_STALE_WHILE_REVALIDATE = int(os.environ.get("PUBLIC_STALE_WHILE_REVALIDATE", "60"))
# Each worker keeps live documents, list pages and searches in memory until the publication
# change log moves on, and re-reads the log's head at most every PUBLIC_MEMORY_TTL seconds: a
# change published by another worker is seen within this time (the staleness bound; keep it
# <= 1). 0 turns the memory off. See api/hot.py.
PUBLIC_MEMORY_TTL = float(os.environ.get("PUBLIC_MEMORY_TTL", "1"))
PUBLIC_MEMORY_MAX_DOCUMENTS = int(os.environ.get("PUBLIC_MEMORY_MAX_DOCUMENTS", "4096"))
PUBLIC_MEMORY_MAX_PAGES = int(os.environ.get("PUBLIC_MEMORY_MAX_PAGES", "2048"))
# ... and by size: the bytes of documents (and of pages) one worker keeps at most, whatever
# their number; the least recently used go first. Per worker: multiply by workers x machines.
PUBLIC_MEMORY_MAX_BYTES = int(os.environ.get("PUBLIC_MEMORY_MAX_BYTES", str(48 * 1024 * 1024)))
PUBLIC_MEMORY_MAX_PAGE_BYTES = int(
    os.environ.get("PUBLIC_MEMORY_MAX_PAGE_BYTES", str(32 * 1024 * 1024))
)
# The offline bundle (api/v1/sync/bundles.py) is stored gzip-compressed in the database, in
# parts per category and language. On: the task worker rebuilds the parts a public change
# touched. Off (or before the worker ran): the first request that needs a part builds it.
BUNDLE_PREBUILD = env_bool("BUNDLE_PREBUILD", True)
# Bytes of stored bundle chunks each web worker keeps to serve hot parts without reading them
# again (a stored part never changes; least recently used first).
BUNDLE_MEMORY_MAX_BYTES = int(os.environ.get("BUNDLE_MEMORY_MAX_BYTES", str(32 * 1024 * 1024)))
# The manifest cuts each category's part into pages of about this many documents at most (a
# power of two of pages per category, up to 1,024), so a phone downloads it in pieces.
BUNDLE_PAGE_DOCUMENTS = int(os.environ.get("BUNDLE_PAGE_DOCUMENTS", "500"))
if BUNDLE_PAGE_DOCUMENTS < 1:
    raise ImproperlyConfigured(
        "BUNDLE_PAGE_DOCUMENTS: give a whole number of documents, 1 or more."
    )

# Partner sites: the provider named by the embed card, oEmbed and JSON-LD (`publisher`).
PROVIDER_NAME = os.environ.get("PROVIDER_NAME", "Treatment Knowledge API")

# Partner API keys (api/partner_keys.py): each worker remembers a key this many seconds, so a
# revocation made elsewhere takes effect within this time (0 = look every key up every time).
API_KEY_CACHE_SECONDS = float(os.environ.get("API_KEY_CACHE_SECONDS", "5"))
API_KEY_CACHE_MAX = int(os.environ.get("API_KEY_CACHE_MAX", "10000"))
# A key's last_used_at is written at most this often per key and worker (0 = never).
API_KEY_TOUCH_SECONDS = int(os.environ.get("API_KEY_TOUCH_SECONDS", "300"))
# Active keys of one kind (secret or publishable) a partner may hold: 2 allows rotation overlap.
PARTNER_MAX_ACTIVE_KEYS_PER_KIND = 2

# Hardening (issue 22): failed API-key authentications. Every malformed, unknown or wrong key
# costs the caller's address one request of API_KEY_FAILURE_RATE (checked before any database
# lookup; "" turns it off); past it, 429. Unknown prefixes are remembered apart from valid keys,
# at most API_KEY_NEGATIVE_CACHE_MAX per worker (api/partner_keys.py).
API_KEY_FAILURE_RATE = os.environ.get("API_KEY_FAILURE_RATE", "60/minute")
API_KEY_NEGATIVE_CACHE_MAX = int(os.environ.get("API_KEY_NEGATIVE_CACHE_MAX", "1024"))

# CORS (django-cors-headers): the public read API, the oEmbed endpoint and the OpenAPI document
# are readable from any origin without credentials (no cookies, so `*` is safe); the editor API,
# the admin and everything else never answer CORS. Which origins may use a publishable key is
# checked per partner in api/partner_keys.py, not here.
CORS_URLS_REGEX = r"^/api/(?:v1/(?!editor(?:/|$))|oembed/|schema/)"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_HEADERS = (
    "accept",
    "accept-language",
    "authorization",
    "x-api-key",
    "if-none-match",
    "if-modified-since",
    "x-request-id",
)
CORS_EXPOSE_HEADERS = (
    "ETag",
    "Last-Modified",
    "Link",
    "Location",
    "Retry-After",
    "RateLimit",
    "RateLimit-Policy",
    "X-Request-Id",
    # API evolution (api/deprecation.py): a browser client can see what is going away.
    "Deprecation",
    "Sunset",
)
# Browsers cap this (Chromium at 2 hours, Firefox at 24).
CORS_PREFLIGHT_MAX_AGE = int(os.environ.get("CORS_PREFLIGHT_MAX_AGE", "86400"))

# Sync tokens whose next change is older than this answer 410 Gone (start a full sync again).
SYNC_LOG_RETENTION_DAYS = int(os.environ.get("SYNC_LOG_RETENTION_DAYS", "365"))

# Webhooks for partners (events/webhooks/, docs/partners/webhooks.md).
# http URLs and loopback addresses are refused unless this is on (development only); private,
# link-local and metadata addresses are refused always.
WEBHOOKS_ALLOW_LOCAL = env_bool("WEBHOOKS_ALLOW_LOCAL", False)
# Seconds to wait before each retry of a failed delivery (jittered by +-WEBHOOKS_RETRY_JITTER):
# about a day in all. When it is spent the delivery fails and its endpoint is disabled.
WEBHOOKS_RETRY_SCHEDULE = [
    float(s)
    for s in env_list("WEBHOOKS_RETRY_SCHEDULE", "5,30,120,600,1800,3600,7200,14400,28800,28800")
]
WEBHOOKS_RETRY_JITTER = float(os.environ.get("WEBHOOKS_RETRY_JITTER", "0.2"))
# An endpoint whose attempts fail this many times in a row is disabled (its partner is emailed).
WEBHOOKS_DISABLE_AFTER_FAILURES = int(os.environ.get("WEBHOOKS_DISABLE_AFTER_FAILURES", "100"))
WEBHOOKS_CONNECT_TIMEOUT = float(os.environ.get("WEBHOOKS_CONNECT_TIMEOUT", "3"))
WEBHOOKS_READ_TIMEOUT = float(os.environ.get("WEBHOOKS_READ_TIMEOUT", "10"))
WEBHOOKS_MAX_RESPONSE_BYTES = int(os.environ.get("WEBHOOKS_MAX_RESPONSE_BYTES", "65536"))
# After a secret rotation the previous secret signs too, for this many hours.
WEBHOOKS_SECRET_OVERLAP_HOURS = float(os.environ.get("WEBHOOKS_SECRET_OVERLAP_HOURS", "24"))
# Absolute links in payloads start with this (e.g. https://api.example.org); empty: paths only.
WEBHOOKS_PUBLIC_BASE_URL = os.environ.get("WEBHOOKS_PUBLIC_BASE_URL", "")

# Prometheus metrics at /metrics (api/metrics.py), never public: with METRICS_TOKEN set a
# scrape must send `Authorization: Bearer <token>`; without it, only client addresses in
# METRICS_ALLOWED_NETWORKS (CIDR ranges, none by default) may read them. Anyone else gets 404
# (403 for a wrong token). Behind a local proxy every client looks local: use the token.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "")
# Edge cache (issue 19 part 5; api/edge.py, events/edge.py, config/edge/default.vcl): with
# EDGE_PURGE_URL set (the shared cache's URL, comma-separated for several), public answers
# carry surrogate keys (`xkey`) and `Surrogate-Control: max-age=EDGE_MAX_AGE`, and the worker
# purges the affected keys on every public change. Empty: no edge, no headers, no purges.
EDGE_PURGE_URL = os.environ.get("EDGE_PURGE_URL", "")
EDGE_MAX_AGE = int(os.environ.get("EDGE_MAX_AGE", "86400"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# --- Clinical review (editorial): four eyes ---------------------------------------------------
# Publishing changes a person made needs a valid approval by another person, a clinical reviewer
# who authored none of them. Only a developer's machine may relax it (config/settings/local.py
# reads EDITORIAL_FOUR_EYES from the environment); production keeps it and `check --deploy`
# warns (editorial.W001) when it is off.
EDITORIAL_FOUR_EYES = True
# --- Preview links (editorial.previews) -------------------------------------------------------
# A signed link that shows a draft to a reviewer without an account: how long a new link lasts
# unless its creator says otherwise, the longest it may last, and how many links of one
# treatment may be open at once (seconds, seconds, count).
PREVIEW_LINK_DEFAULT_AGE = int(os.environ.get("PREVIEW_LINK_DEFAULT_AGE", str(7 * 86400)))
PREVIEW_LINK_MAX_AGE = int(os.environ.get("PREVIEW_LINK_MAX_AGE", str(30 * 86400)))
PREVIEW_LINK_MAX_ACTIVE = int(os.environ.get("PREVIEW_LINK_MAX_ACTIVE", "20"))
# --- Scheduling and releases (editorial/releases, api/v1/editor/schedule*.py) ------------------
# Several components have a field named `state` or `action`; name each vocabulary's enum
# component explicitly, so adding one never renames another (a rename breaks generated clients).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(  # type: ignore[attr-defined]
    {
        "StateEnum": ["draft", "live", "unpublished", "deleted"],
        "ActionEnum": ["created", "updated", "unchanged"],
        "ScheduledChangeEnum": ["publish", "withdraw"],
        "ScheduleStateEnum": ["pending", "done", "cancelled", "failed"],
        "ReleaseStateEnum": ["draft", "scheduled", "published", "cancelled", "failed"],
        "PreviewLinkStateEnum": ["active", "expired", "revoked"],
    }
)
