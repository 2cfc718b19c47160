"""Operational endpoints: `/`, `/health*`, `/metrics` (docs/api.md §17), and the JSON 404."""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import psycopg
from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from psycopg import sql

from natjoub.api.envelope import error_response
from natjoub.api.errors import MethodNotAllowed, RouteNotFound
from natjoub.db.config import libpq_params
from natjoub.metrics import render_latest

READY_TIMEOUT_SECONDS = 2
_probe_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ready-probe")


def require_get(view):
    """GET and HEAD only; any other method gets the API's 405 envelope with an ``Allow`` header
    (Django's ``require_GET`` answers an empty HTML 405)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = error_response(MethodNotAllowed())
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_get
def root(request):
    return _text("NatJoub Microservices is running")


@csrf_exempt
@require_get
def health(request):
    return _text("OK")


def probe_conninfo() -> dict:
    """libpq parameters of the primary database, for a fresh probe connection."""
    return libpq_params(settings.DATABASES["default"])


def _select_one() -> None:
    # The timeout is set for the probe's own transaction only: a startup option would be session
    # state, which a pooler in transaction mode (PgBouncer) refuses (docs/api.md §32).
    with (
        psycopg.connect(**probe_conninfo(), connect_timeout=READY_TIMEOUT_SECONDS, prepare_threshold=None) as conn,
        conn.transaction(),
    ):
        conn.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(READY_TIMEOUT_SECONDS * 1000)))
        conn.execute("SELECT 1").fetchone()


@csrf_exempt
@require_get
def ready(request):
    """200 when PostgreSQL answers ``SELECT 1`` within 2 s; a fresh connection so a broken pool
    or a hung server cannot make the probe lie or hang."""
    future = _probe_pool.submit(_select_one)
    try:
        future.result(timeout=READY_TIMEOUT_SECONDS)
    except (FutureTimeout, psycopg.Error, OSError):
        return _text("NOT READY", status=503)
    return _text("OK")


@csrf_exempt
@require_get
def metrics(request):
    body, content_type = render_latest()
    return HttpResponse(body, content_type=content_type)


@csrf_exempt
def unmatched(request, *args, **kwargs):
    return error_response(RouteNotFound())
