"""Assertions on the contract's response envelope (§1-§3) and constants every test package uses.

Every answer is ``{"success", "data", "message", "error"}`` (a paginated list adds ``meta``); an
error's ``error`` is ``{"code", "message", "details"}`` and its top-level ``message`` repeats
``error.message``, except for the 404/405/500 answers, whose top-level message is shorter (``top``).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

ENVELOPE_KEYS = frozenset({"success", "data", "message", "error"})
JSON_CONTENT_TYPE_RE = re.compile(r"^application/(.+\+)?json")  # what the test client's .json() accepts
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$")
MISSING = "00000000-0000-4000-8000-000000000000"  # a well-formed id no row has
WWW_AUTHENTICATE = 'Bearer realm="NatJoub Microservices"'
FORBIDDEN = ("FORBIDDEN", "You don't have permission to access this resource")
UNAUTHORIZED = ("UNAUTHORIZED", "Invalid or expired token")
VALIDATION = ("VALIDATION_ERROR", "Validation failed")


def response_json(response) -> Any:
    """The body of a JSON response. Works for the test client's responses and for the plain
    ``HttpResponse`` a handler returns (which has no ``.json()``); like ``.json()``, it refuses a
    response whose Content-Type is not JSON."""
    content_type = response.get("Content-Type", "")
    assert JSON_CONTENT_TYPE_RE.match(content_type), (content_type, response.content[:1000])
    return json.loads(response.content)


def assert_ok(response, status: int, message: str, *, meta: bool = False) -> Any:
    """A success envelope with exactly the envelope's keys (plus ``meta`` for a paginated list,
    ``meta=True``); returns its ``data``."""
    assert response.status_code == status, response.content[:1000]
    body = response_json(response)
    assert set(body) == ENVELOPE_KEYS | ({"meta"} if meta else set()), body
    assert body["success"] is True
    assert body["error"] is None
    assert body["message"] == message
    return body["data"]


def assert_error(
    response,
    status: int,
    code: str,
    message: str,
    details: Any = None,
    *,
    top: str | None = None,
    content_type: str | None = None,
) -> dict:
    """An error envelope with exactly the envelope's keys; returns the body.

    ``details``: the expected ``error.details`` (``None`` by default); ``details=...`` leaves it
    unchecked. ``top``: the top-level ``message`` when it differs from ``error.message`` (404, 405,
    500). ``content_type``: the exact Content-Type header, when the test is about it."""
    assert response.status_code == status, (response.status_code, response.content[:1000])
    if content_type is not None:
        assert response["Content-Type"] == content_type
    body = response_json(response)
    assert set(body) == ENVELOPE_KEYS, body
    assert body["success"] is False
    assert body["data"] is None
    assert body["message"] == (message if top is None else top)
    assert body["error"]["code"] == code
    assert body["error"]["message"] == message
    if details is not ...:
        assert body["error"] == {"code": code, "message": message, "details": details}
    return body


def assert_validation(response, details: Any) -> dict:
    """The 400 VALIDATION_ERROR envelope with exactly these field messages."""
    return assert_error(response, 400, *VALIDATION, details)


def assert_forbidden(response) -> dict:
    return assert_error(response, 403, *FORBIDDEN)


def assert_unauthorized(response) -> dict:
    body = assert_error(response, 401, *UNAUTHORIZED)
    assert response.get("WWW-Authenticate") == WWW_AUTHENTICATE
    return body


def wait_for(condition, timeout: float = 20.0) -> None:
    """Poll until ``condition()`` holds: another thread's progress, never its speed (the bound is
    only there so a broken thread fails the test instead of hanging it)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.02)
