"""The envelope assertions of ``tests.helpers`` refuse every shape but the one they are told."""

from __future__ import annotations

import uuid

import pytest
from django.http import HttpResponse, JsonResponse

from tests.helpers import (
    MISSING,
    TIMESTAMP_RE,
    assert_error,
    assert_forbidden,
    assert_ok,
    assert_unauthorized,
    assert_validation,
)


def error_body(code="NOT_FOUND", message="Gone", details=None, top=None, **extra):
    return {
        "success": False,
        "data": None,
        "message": message if top is None else top,
        "error": {"code": code, "message": message, "details": details},
        **extra,
    }


def ok_body(data=None, message="Done", **extra):
    return {"success": True, "data": data, "message": message, "error": None, **extra}


def answer(body, status=200, **headers):
    response = JsonResponse(body, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def test_assert_ok_returns_data():
    assert assert_ok(answer(ok_body({"a": 1})), 200, "Done") == {"a": 1}
    assert assert_ok(answer(ok_body([1], meta={"total": 1})), 200, "Done", meta=True) == [1]


@pytest.mark.parametrize(
    ("response", "kwargs"),
    [
        (answer(ok_body(), status=201), {}),  # status
        (answer(ok_body(message="Other")), {}),  # message
        (answer({**ok_body(), "success": 1}), {}),  # not the boolean
        (answer({**ok_body(), "error": {}}), {}),  # error not null
        (answer(ok_body(extra=1)), {}),  # a key beyond the envelope
        (answer(ok_body(meta={})), {}),  # meta where none is expected
        (answer(ok_body()), {"meta": True}),  # meta missing
        (HttpResponse(b'{"success": true}', content_type="text/plain"), {}),  # not JSON
    ],
)
def test_assert_ok_refuses(response, kwargs):
    with pytest.raises(AssertionError):
        assert_ok(response, 200, "Done", **kwargs)


def test_assert_error_returns_the_body():
    assert assert_error(answer(error_body(), status=404), 404, "NOT_FOUND", "Gone") == error_body()
    body = error_body(details={"a": "b"}, top="Short")
    assert assert_error(answer(body, status=404), 404, "NOT_FOUND", "Gone", {"a": "b"}, top="Short") == body


@pytest.mark.parametrize(
    ("body", "status", "kwargs"),
    [
        (error_body(), 400, {}),  # status
        (error_body(code="OTHER"), 404, {}),  # code
        (error_body(message="Other"), 404, {}),  # message
        (error_body(top="Short"), 404, {}),  # top-level message differs, not expected
        (error_body(), 404, {"top": "Short"}),  # top-level message expected to differ
        (error_body(details={"a": "b"}), 404, {}),  # details default to null
        (error_body(), 404, {"details": {"a": "b"}}),  # details expected
        (error_body(extra=1), 404, {}),  # a key beyond the envelope
        (error_body(extra=1), 404, {"details": ...}),  # ... even when details are not checked
        ({**error_body(), "success": True}, 404, {}),
        ({**error_body(), "data": {}}, 404, {}),
        ({**error_body(), "error": {"code": "NOT_FOUND", "message": "Gone", "details": None, "x": 1}}, 404, {}),
    ],
)
def test_assert_error_refuses(body, status, kwargs):
    with pytest.raises(AssertionError):
        assert_error(answer(body, status=status), 404, "NOT_FOUND", "Gone", **kwargs)


def test_assert_error_details_ellipsis_leaves_details_unchecked():
    assert_error(answer(error_body(details={"a": "b"}), status=404), 404, "NOT_FOUND", "Gone", details=...)


def test_assert_error_content_type_is_exact_when_given():
    response = answer(error_body(), status=404, **{"Content-Type": "application/json; charset=utf-8"})
    assert_error(response, 404, "NOT_FOUND", "Gone")
    with pytest.raises(AssertionError):
        assert_error(response, 404, "NOT_FOUND", "Gone", content_type="application/json")


def test_assert_error_reads_a_plain_http_response():
    response = HttpResponse(JsonResponse(error_body(), status=404).content, status=404, content_type="application/json")
    assert_error(response, 404, "NOT_FOUND", "Gone", content_type="application/json")


def test_shortcuts():
    assert_validation(answer(error_body("VALIDATION_ERROR", "Validation failed", {"f": "m"}), 400), {"f": "m"})
    with pytest.raises(AssertionError):
        assert_validation(answer(error_body("VALIDATION_ERROR", "Validation failed", {"f": "m"}), 400), {"f": "x"})
    forbidden = error_body("FORBIDDEN", "You don't have permission to access this resource")
    assert_forbidden(answer(forbidden, 403))
    unauthorized = error_body("UNAUTHORIZED", "Invalid or expired token")
    assert_unauthorized(answer(unauthorized, 401, **{"WWW-Authenticate": 'Bearer realm="NatJoub Microservices"'}))
    with pytest.raises(AssertionError):
        assert_unauthorized(answer(unauthorized, 401))  # no challenge header


def test_constants():
    assert TIMESTAMP_RE.match("2024-01-02T03:04:05.123456Z")
    assert TIMESTAMP_RE.match("2024-01-02T03:04:05Z")
    assert not TIMESTAMP_RE.match("2024-01-02T03:04:05+00:00")
    assert uuid.UUID(MISSING).version == 4
