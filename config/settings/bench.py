"""Benchmark settings: production settings on PostgreSQL, throttling off, comparison views on.

Used by ``bench/run.py`` (``make bench``) to serve the project with gunicorn. Production
settings need secrets and hosts from the environment; fixed, harmless values are filled in
here so that a benchmark needs no configuration.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-any-deployment")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

import dj_database_url

from .base import checked_connections
from .production import *  # noqa: F403
from .production import INSTALLED_APPS, REST_FRAMEWORK

SECRET_KEY = "bench-only-secret-key-not-for-any-deployment"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Plain HTTP over loopback: no redirect to HTTPS.
SECURE_SSL_REDIRECT = False

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default="postgres://postgres@127.0.0.1:5432/treatments_bench",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
checked_connections(DATABASES["default"])  # the production backend, as the site runs it

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"

# The load generator is one client hammering the server: no throttling, unless
# bench/rate_limits.py asks for the rate limits (BENCH_RATE_LIMITS=gcra), or for DRF's
# timestamp-list throttle they replaced (=drf), to measure what a check costs.
_RATE_LIMITS = {
    "": [],
    "gcra": REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"],
    "drf": ["rest_framework.throttling.AnonRateThrottle"],
}[os.environ.get("BENCH_RATE_LIMITS", "")]
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": _RATE_LIMITS}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
