"""Build the contract's envelope (§2) and JSON responses outside DRF (middleware, 404 view)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

from natjoub.api.casing import camelize
from natjoub.api.errors import ApplicationError


def success(data: Any, message: str, meta: dict | None = None) -> dict:
    body = {"success": True, "data": data, "message": message, "error": None}
    if meta is not None:
        body["meta"] = meta
    return body


def failure(code: str, message: str, details: dict | None = None, *, top_message: str | None = None) -> dict:
    return {
        "success": False,
        "data": None,
        "message": top_message if top_message is not None else message,
        "error": {"code": code, "message": message, "details": details},
    }


def is_envelope(data: Any) -> bool:
    return isinstance(data, dict) and {"success", "data", "message", "error"} <= data.keys()


def dumps(body: Any) -> bytes:
    return json.dumps(camelize(body), ensure_ascii=False, separators=(",", ":"), default=str).encode()


def json_response(body: dict, status: int, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(dumps(body), status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_body(error: ApplicationError) -> dict:
    return failure(error.code, error.message, error.details, top_message=error.top_message)


def error_response(error: ApplicationError) -> HttpResponse:
    """An error answered outside Django REST framework (middleware, Django's error views)."""
    return json_response(error_body(error), error.http_status, error.headers)
