"""Request-level middleware: request id + access log + HTTP metrics, rate limiting, body size."""

from __future__ import annotations

import functools
import logging
import os
import re
import time

from django.conf import settings
from django.urls import Resolver404, resolve

from natjoub import ratelimit
from natjoub.api.envelope import error_response
from natjoub.api.errors import PayloadTooLarge
from natjoub.logging import request_id_var
from natjoub.metrics import HTTP_DURATION, HTTP_REQUESTS
from natjoub.ratelimit import client_ip

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


def _user_id(request) -> str | None:
    """Who made the request: the bearer token's user (DRF records it on the Django request, see
    auth_app/authentication.py) or the admin site's signed-in user."""
    user_id = getattr(request, "authenticated_user_id", None)
    if user_id is None:
        user = getattr(request, "user", None)  # set by the admin's authentication middleware only
        if user is not None and getattr(user, "is_authenticated", False):
            user_id = user.pk
    return None if user_id is None else str(user_id)


class RequestContextMiddleware:
    """Accepts a safe ``X-Request-ID`` (else generates one), echoes it, logs one JSON line per
    request and records the HTTP metrics by route template."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        # 32 hex digits of os.urandom, like uuid4().hex without building a UUID (a third of the cost)
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else os.urandom(16).hex()
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
                        "user_id": _user_id(request),
                    },
                )
            return response
        finally:
            request_id_var.reset(token)


class RateLimitMiddleware:
    """The per-client buckets of docs/api.md §29.1 (natjoub/ratelimit.py), before routing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = ratelimit.check_request(request)
        if refusal is not None:
            return error_response(refusal)
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
from django.middleware.csp import ContentSecurityPolicyMiddleware  # noqa: E402

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

    AdminOnly.admin_only = True  # passes other paths through: left out of their chain (natjoub/serving/handler.py)
    AdminOnly.__name__ = AdminOnly.__qualname__ = f"Admin{middleware_class.__name__}"
    AdminOnly.__doc__ = f"{middleware_class.__name__} for /admin/ paths only."
    return AdminOnly


AdminSessionMiddleware = _admin_only(SessionMiddleware)
AdminAuthenticationMiddleware = _admin_only(AuthenticationMiddleware)
AdminMessageMiddleware = _admin_only(MessageMiddleware)
# settings.SECURE_CSP on the back office pages (docs/api.md §35); the API answers JSON, and the
# API docs pages (Swagger UI, ReDoc) need inline scripts of their own.
AdminContentSecurityPolicyMiddleware = _admin_only(ContentSecurityPolicyMiddleware)


SIGNED_IN_AT = "natjoub_signed_in_at"


class AdminSessionLimitMiddleware:
    """The absolute limit of an admin sign-in (SESSION_COOKIE_AGE_SECONDS, docs/api.md §32); the
    idle limit is the session cookie's age, renewed on every admin request. A session older than
    the limit, or one without its sign-in time, is signed out (the admin then asks to sign in)."""

    admin_only = True

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_admin_path(request) and getattr(request, "user", None) is not None and request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            if not isinstance(signed_in_at, int | float) or (
                time.time() - signed_in_at > settings.SESSION_COOKIE_AGE_SECONDS
            ):
                from django.contrib.auth import logout

                logout(request)
        return self.get_response(request)


def _record_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = time.time()


def connect_signals() -> None:
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.connect(_record_sign_in, dispatch_uid="natjoub.admin_sign_in_time")
