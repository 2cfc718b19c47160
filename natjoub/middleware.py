"""Request-level middleware: request id + access log + HTTP metrics, rate limiting, body size."""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import re
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.urls import Resolver404, resolve

from natjoub.api.envelope import error_response
from natjoub.api.errors import PayloadTooLarge, RateLimited, ServiceUnavailable
from natjoub.logging import request_id_var
from natjoub.metrics import HTTP_DURATION, HTTP_REQUESTS

access_log = logging.getLogger("natjoub.access")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
_PARAM_NAMES = {"pk": "id", "branch_id": "branchId"}


def route_template(request) -> str:
    """``/api/v1/inventory/items/{id}`` for a matched request, ``unmatched`` otherwise."""
    match = getattr(request, "resolver_match", None)
    if match is None:  # answered before routing (rate limit, body size): resolve for the label
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "unmatched"
    if match.url_name == "unmatched":
        return "unmatched"
    return _template_of(match.route)


@functools.lru_cache(maxsize=1024)
def _template_of(route: str) -> str:
    route = route.lstrip("^").rstrip("$")
    route = _GROUP.sub(lambda m: "{" + _PARAM_NAMES.get(m[1], m[1]) + "}", route)
    route = _CONVERTER.sub(lambda m: "{" + _PARAM_NAMES.get(m[1], m[1]) + "}", route)
    route = route.replace("/?", "").replace("\\.", ".").rstrip("/")
    return "/" + route


@functools.lru_cache(maxsize=4096)
def _http_metrics(method: str, route: str, status: str):
    """The labelled children of the HTTP metrics (labels() takes a lock on every call)."""
    return HTTP_REQUESTS.labels(method, route, status), HTTP_DURATION.labels(method, route, status)


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


class RequestContextMiddleware:
    """Accepts a safe ``X-Request-ID`` (else generates one), echoes it, logs one JSON line per
    request and records the HTTP metrics by route template."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration = time.perf_counter() - started
            route = route_template(request)
            status = str(response.status_code)
            requests_total, request_duration = _http_metrics(request.method, route, status)
            requests_total.inc()
            request_duration.observe(duration)
            response["X-Request-ID"] = request_id
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "request",
                    extra={
                        "method": request.method,
                        "route": route,
                        "path": request.path,  # never the query string: it may carry secrets
                        "status": response.status_code,
                        "duration_ms": round(duration * 1000, 2),
                        "client_ip": client_ip(request),
                    },
                )
            return response
        finally:
            request_id_var.reset(token)


AUTH_ENDPOINTS = {
    "register",
    "login",
    "verify-otp",
    "resend-otp",
    "forgot-password",
    "reset-password",
    "refresh-token",
}
_AUTH_PATH = re.compile(r"^/api/v1/auth/([a-z-]+)/?$")
ADMIN_LOGIN_PATH = "/admin/login/"


def rate_limit_bucket(request) -> tuple[str, int] | None:
    """Which bucket (name, limit per window) a request counts in, if any (docs/api.md §19)."""
    path = request.path
    match = _AUTH_PATH.match(path)
    if match and match[1] in AUTH_ENDPOINTS:
        return "auth", settings.RATE_LIMIT_AUTH_PER_MINUTE
    if path == ADMIN_LOGIN_PATH and request.method == "POST":
        return "auth", settings.RATE_LIMIT_AUTH_PER_MINUTE  # admin sign-ins share the auth bucket
    if path.startswith("/api/v1/"):
        return "api", settings.RATE_LIMIT_API_PER_MINUTE
    return None


def hit_counter(key: str, window: int) -> tuple[int, float]:
    """Atomically count one request; (count in window, seconds until the window ends)."""
    if hasattr(cache, "hit"):
        return cache.hit(key, window)
    client = cache._cache.get_client(key, write=True)  # Redis: SET NX EX + INCR + PTTL, one round trip
    full_key = cache.make_and_validate_key(key)
    pipe = client.pipeline()
    pipe.set(full_key, 0, ex=window, nx=True)
    pipe.incr(full_key)
    pipe.pttl(full_key)
    _, count, ttl_ms = pipe.execute()
    return int(count), max(ttl_ms, 0) / 1000


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.RATE_LIMIT_ENABLED:
            bucket = rate_limit_bucket(request)
            if bucket is not None:
                name, limit = bucket
                try:
                    count, seconds_left = hit_counter(
                        f"rl:{name}:{client_ip(request)}", settings.RATE_LIMIT_WINDOW_SECONDS
                    )
                except DatabaseError:
                    return error_response(ServiceUnavailable())
                if count > limit:
                    retry_after = max(1, math.ceil(seconds_left))
                    return error_response(RateLimited(retry_after=retry_after))
        return self.get_response(request)


class BodySizeLimitMiddleware:
    """413 before routing when Content-Length announces more than 1 MiB."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BODY_BYTES:
            return error_response(PayloadTooLarge())
        return self.get_response(request)


# -- the admin's middleware runs for the admin only --------------------------------------------
# Sessions, Django's request.user and messages serve the admin site; API requests authenticate
# with bearer tokens in DRF. Gating them by path saves a third of the per-request cost of every
# API call (bench/server_bench.py). Subclasses keep Django's admin checks (E408-E410) satisfied.
from django.contrib.auth.middleware import AuthenticationMiddleware  # noqa: E402
from django.contrib.messages.middleware import MessageMiddleware  # noqa: E402
from django.contrib.sessions.middleware import SessionMiddleware  # noqa: E402

ADMIN_PREFIX = "/admin/"


def is_admin_path(request) -> bool:
    """The back office: the only pages with cookies, sessions and HTML error pages."""
    return request.path_info.startswith(ADMIN_PREFIX)


def _admin_only(middleware_class):
    class AdminOnly(middleware_class):
        def __call__(self, request):
            if not is_admin_path(request):
                return self.get_response(request)
            return super().__call__(request)

    AdminOnly.__name__ = AdminOnly.__qualname__ = f"Admin{middleware_class.__name__}"
    AdminOnly.__doc__ = f"{middleware_class.__name__} for /admin/ paths only."
    return AdminOnly


AdminSessionMiddleware = _admin_only(SessionMiddleware)
AdminAuthenticationMiddleware = _admin_only(AuthenticationMiddleware)
AdminMessageMiddleware = _admin_only(MessageMiddleware)
