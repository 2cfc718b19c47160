"""Rate limiting on django-ratelimit (docs/api.md §29.1).

One django-ratelimit ``group`` per bucket, fixed windows, counters in the shared Django cache
(``natjoub.db.cache.PostgresCache`` by default, Redis/Valkey with ``REDIS_URL``):

* ``auth``: the public auth endpoints and the admin sign-in POST, per client;
* ``api``: every other ``/api/v1/`` request, per client;
* ``login-failures``: failed logins (and wrong OTPs) per account, or per normalised identifier
  when it names no account, 15-minute windows; once the limit is reached every login for that
  account is refused before its password is looked at. A login attempt is counted *before* its
  password is checked and the count is undone after a correct one, so concurrent wrong attempts
  can never overshoot the limit (docs/api.md §35).

A client is an IPv4 address or the /64 prefix of an IPv6 address (one subscriber's network), after
``TRUSTED_PROXY_COUNT`` proxies. If the cache cannot be reached the request is let through (fail
open): an error is logged and ``natjoub_rate_limit_backend_errors_total`` counts it.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import time
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from django_ratelimit import ALL
from django_ratelimit.core import _get_window, _make_cache_key, get_usage
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
    """An identifier as it is counted when it names no account: Unicode NFKC, then ``casefold()``,
    then trimmed (docs/api.md §35), so case and compatibility variants share one bucket."""
    return unicodedata.normalize("NFKC", identifier).casefold().strip()


def failure_key(identifier: str, *, account_id=None) -> str:
    """The login-failures key: the account the identifier resolved to (whatever form — e-mail,
    username, phone — was typed), else the normalised identifier. The prefixes keep the two
    apart."""
    if account_id is not None:
        return f"account:{account_id}"
    return f"identifier:{identifier_key(identifier)}"


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


def _failures_cache_key(key: str) -> tuple[str, int]:
    """django-ratelimit's cache key of ``key``'s current login-failures window, and the window's
    end (the counter ``get_usage`` increments; tests/natjoub/test_rate_limit.py checks they agree)."""
    bucket = _failures_bucket()
    window = _get_window(key, bucket.period)
    return _make_cache_key(bucket.group, window, (bucket.limit, bucket.period), key, ALL), window


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt counted in advance: the counter it went to (None when nothing was
    counted: limits disabled or the cache unreachable) and the end of that counter's window."""

    cache_key: str | None = None
    window_end: int = 0


def begin_attempt(key: str) -> Attempt:
    """Count one attempt for ``key`` before the secret is checked: one atomic increment, so of N
    concurrent attempts at most the limit are let through. Raise the 429 when this one is over
    the limit (it stays counted, like every refused request). ``end_attempt_ok`` undoes it."""
    cache_key, window_end = _failures_cache_key(key)
    usage = _usage(None, _failures_bucket(), lambda group, request: key, increment=True)
    if usage is None:
        return Attempt()
    if usage["should_limit"]:
        raise _refusal(usage)
    return Attempt(cache_key, window_end)


def end_attempt_ok(attempt: Attempt) -> None:
    """The attempt's secret was right: it is not a failure, take it back (not when its window has
    ended meanwhile: the counter is gone, and a decrement must not start a new one)."""
    if attempt.cache_key is None or time.time() >= attempt.window_end:
        return
    try:
        caches[settings.RATELIMIT_USE_CACHE].decr(attempt.cache_key)
    except ValueError:  # expired between the check and the decrement
        pass
    except BACKEND_ERRORS as exc:
        RATE_LIMIT_BACKEND_ERRORS.inc()
        logger.error("rate-limit cache unreachable, attempt not taken back", extra={"error": type(exc).__name__})


def check_failures(key: str) -> None:
    """Raise the 429 when ``key``'s failures in this window reached the limit (no counting)."""
    usage = _usage(None, _failures_bucket(), lambda group, request: key, increment=False)
    if usage is not None and usage["count"] >= usage["limit"]:
        raise _refusal(usage)


def record_failure(key: str) -> None:
    """Count one failure for ``key`` after the fact (a wrong OTP: its row lock already serialises
    the attempts of one account)."""
    _usage(None, _failures_bucket(), lambda group, request: key, increment=True)
