"""Settings of the peer: the NatJoub endpoints the benchmark compares, written the stock way with
Django REST framework, simplejwt and django-filter (bench/peer/README.md). Its own project: it
imports nothing from NatJoub and has its own database (``PEER_DATABASE_URL``)."""

from __future__ import annotations

import os
import urllib.parse
from datetime import timedelta

SECRET_KEY = os.environ.get("PEER_SECRET_KEY", "peer-bench-only-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "django_filters",
    "bench.peer.shop",
]

# startproject's middleware minus sessions, messages and CSRF, which a token-only API does not use
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bench.peer.urls"
WSGI_APPLICATION = "bench.peer.wsgi.application"


def _database(url: str) -> dict:
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": urllib.parse.unquote(parts.username or "postgres"),
        "PASSWORD": urllib.parse.unquote(parts.password or ""),
        "HOST": query.get("host") or parts.hostname or "",
        "PORT": query.get("port") or (str(parts.port) if parts.port else ""),
        # Django's own connection pool (Django >= 5.1 docs), as NatJoub has one
        "OPTIONS": {"pool": {"min_size": 1, "max_size": 20}},
    }


DATABASES = {"default": _database(os.environ.get("PEER_DATABASE_URL", "postgresql://postgres@/peer"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": timedelta(days=1), "SIGNING_KEY": SECRET_KEY}

LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
