"""Rate limiting on django-ratelimit (docs/api.md §29.1).

One django-ratelimit ``group`` per bucket, fixed windows, counters in the shared Django cache
(``natjoub.db.cache.PostgresCache`` by default, Redis/Valkey with ``REDIS_URL``):

* ``auth``: the public auth endpoints and the admin sign-in POST, per client;
* ``api``: every other ``/api/v1/`` request, per client;
* ``login-failures``: failed logins (and wrong OTPs) per identifier, 15-minute windows; once the
  limit is reached every login for that identifier is refused before its password is looked at.

A client is an IPv4 address or the /64 prefix of an IPv6 address (one subscriber's network), after
``TRUSTED_PROXY_COUNT`` proxies. If the cache cannot be reached the request is let through (fail
open): an error is logged and ``natjoub_rate_limit_backend_errors_total`` counts it.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

from natjoub.api.errors import RateLimited
from natjoub.metrics import RATE_LIMIT_BACKEND_ERRORS

logger = logging.getLogger("natjoub.ratelimit")

AUTH, API, LOGIN_FAILURES = "auth", "api", "login-failures"
LOGIN_FAILURE_WINDOW_SECONDS = 900
AUTH_ENDPOINTS = frozenset(
    {"register", "login", "verify-otp", "resend-otp", "forgot-password", "reset-password", "refresh-token"}
)
_AUTH_PATH = re.compile(r"^/api/v1/auth/([a-z-]+)/?$")
ADMIN_LOGIN_PATH = "/admin/login/"
# What an unreachable cache raises: PostgreSQL (Django wraps psycopg's errors, pool timeouts
# included), Redis/Valkey, and plain socket errors.
BACKEND_ERRORS = (DatabaseError, RedisError, OSError)


@dataclass(frozen=True)
class Bucket:
    group: str
    limit: int
    period: int


def request_bucket(request) -> Bucket | None:
    """The per-client bucket a request counts in, if any."""
    path = request.path
    match = _AUTH_PATH.match(path)
    if (match and match[1] in AUTH_ENDPOINTS) or (path == ADMIN_LOGIN_PATH and request.method == "POST"):
        return Bucket(AUTH, settings.RATE_LIMIT_AUTH_PER_MINUTE, settings.RATE_LIMIT_WINDOW_SECONDS)
    if path.startswith("/api/v1/"):
        return Bucket(API, settings.RATE_LIMIT_API_PER_MINUTE, settings.RATE_LIMIT_WINDOW_SECONDS)
    return None


def client_ip(request) -> str:
    """REMOTE_ADDR, or the n-th address from the right of X-Forwarded-For behind n trusted proxies
    when that entry is an IP address (anything else, e.g. a NUL or 10 kB of text, is not one and
    must not reach a cache key or a log line)."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
            # an IPv6 scope id ("fe80::1%<anything>") would carry arbitrary text through ip_address()
            if len(candidate) <= 45 and "%" not in candidate:
                try:
                    return str(ipaddress.ip_address(candidate))
                except ValueError:
                    pass
    return remote


def client_key(group: str, request) -> str:
    """django-ratelimit key function: the IPv4 address, or the /64 network of an IPv6 address
    (an IPv4-mapped IPv6 address counts as its IPv4 address)."""
    raw = client_ip(request)
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:64]  # e.g. an empty REMOTE_ADDR (a unix socket): one shared key
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def identifier_key(identifier: str) -> str:
    """The login-failures key: the identifier, trimmed and lower-cased."""
    return identifier.strip().lower()


def _usage(request, bucket: Bucket, key, *, increment: bool) -> dict | None:
    """django-ratelimit's usage of ``bucket`` (None when disabled), failing open on cache errors."""
    if not settings.RATE_LIMIT_ENABLED:
        return None
    try:
        return get_usage(request, group=bucket.group, key=key, rate=(bucket.limit, bucket.period), increment=increment)
    except BACKEND_ERRORS as exc:
        RATE_LIMIT_BACKEND_ERRORS.inc()
        logger.error("rate-limit cache unreachable, request let through", extra={"error": type(exc).__name__})
        return None


def _refusal(usage: dict) -> RateLimited:
    return RateLimited(retry_after=max(1, math.ceil(usage["time_left"])))


def check_request(request) -> RateLimited | None:
    """Count the request in its per-client bucket; the 429 to answer when it is over the limit."""
    bucket = request_bucket(request)
    if bucket is None:
        return None
    usage = _usage(request, bucket, client_key, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return _refusal(usage)


def _failures_bucket() -> Bucket:
    return Bucket(LOGIN_FAILURES, settings.RATE_LIMIT_LOGIN_FAILURES, LOGIN_FAILURE_WINDOW_SECONDS)


def check_identifier(identifier: str) -> None:
    """Raise the 429 when the identifier's failures in this window reached the limit."""
    key = identifier_key(identifier)
    usage = _usage(None, _failures_bucket(), lambda group, request: key, increment=False)
    if usage is not None and usage["count"] >= usage["limit"]:
        raise _refusal(usage)


def record_identifier_failure(identifier: str) -> None:
    """Count one failed login (or wrong OTP) for the identifier."""
    key = identifier_key(identifier)
    _usage(None, _failures_bucket(), lambda group, request: key, increment=True)
