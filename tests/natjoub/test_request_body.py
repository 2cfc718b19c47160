"""DrainRequestBody: what the application left unread is read before the response goes out."""

from __future__ import annotations

import io

import pytest

from natjoub.serving.request_body import DRAIN_LIMIT, DrainRequestBody


class Stream(io.BytesIO):
    """A request body that records how much of it was read."""


def app_reading(count: int):
    def app(environ, start_response):
        environ["wsgi.input"].read(count)
        start_response("405 Method Not Allowed", [("Content-Type", "application/json"), ("Connection", "keep-alive")])
        return [b"{}"]

    return app


def call(app, body: bytes, **environ):
    stream = Stream(body)
    environ = {"REQUEST_METHOD": "POST", "wsgi.input": stream, **environ}
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    result = b"".join(DrainRequestBody(app)(environ, start_response))
    return seen, stream, result


@pytest.mark.parametrize("read_by_app", [0, 10, 1000])
def test_an_unread_body_is_read_to_its_end(read_by_app):
    body = b"x" * 1000
    seen, stream, result = call(app_reading(read_by_app), body, CONTENT_LENGTH=str(len(body)))
    assert stream.tell() == len(body)
    assert seen["status"].startswith("405")
    assert seen["headers"]["Connection"] == "keep-alive"  # the application's own headers are kept
    assert result == b"{}"


def test_a_chunked_body_is_read_until_its_end():
    body = b"y" * 200_000
    seen, stream, _ = call(app_reading(0), body, HTTP_TRANSFER_ENCODING="chunked")
    assert stream.tell() == len(body)
    assert seen["headers"]["Connection"] == "keep-alive"


def test_a_chunked_body_reaches_the_application_with_its_length():
    received = {}

    def app(environ, start_response):
        received["length"] = environ["CONTENT_LENGTH"]
        received["body"] = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        start_response("201 Created", [])
        return [b"{}"]

    body = b'{"name": "sent in chunks"}'
    stream = Stream(body)
    environ = {"REQUEST_METHOD": "POST", "wsgi.input": stream, "HTTP_TRANSFER_ENCODING": "chunked"}
    DrainRequestBody(app, body_limit=1024)(environ, lambda *a: None)
    assert received == {"length": str(len(body)), "body": body}


def test_a_chunked_body_over_the_limit_announces_a_length_over_it_and_is_drained():
    received = {}

    def app(environ, start_response):
        received["length"] = int(environ["CONTENT_LENGTH"])  # the body-size middleware answers 413
        start_response("413 Payload Too Large", [])
        return [b"{}"]

    stream = Stream(b"z" * 5000)
    environ = {"REQUEST_METHOD": "POST", "wsgi.input": stream, "HTTP_TRANSFER_ENCODING": "chunked"}
    seen = {}
    DrainRequestBody(app, body_limit=1024)(environ, lambda status, headers, exc=None: seen.update(dict(headers)))
    assert received["length"] == 1025
    assert stream.tell() == 5000  # the rest was read: the connection stays usable
    assert "Connection" not in seen


def test_a_body_beyond_the_drain_limit_is_not_read_and_the_connection_is_closed():
    length = DRAIN_LIMIT + 1_000_000
    seen, stream, _ = call(app_reading(0), b"", CONTENT_LENGTH=str(length))
    assert stream.tell() == 0
    assert seen["headers"]["Connection"] == "close"


def test_a_chunked_body_beyond_the_drain_limit_closes_the_connection():
    seen, stream, _ = call(app_reading(0), b"z" * (DRAIN_LIMIT + 10), HTTP_TRANSFER_ENCODING="chunked")
    assert stream.tell() <= DRAIN_LIMIT + 64 * 1024
    assert seen["headers"]["Connection"] == "close"


def test_requests_without_a_body_pass_straight_through():
    calls = []

    def app(environ, start_response):
        calls.append(environ["wsgi.input"])
        start_response("200 OK", [])
        return [b"ok"]

    stream = Stream(b"")
    DrainRequestBody(app)({"REQUEST_METHOD": "GET", "wsgi.input": stream}, lambda *a: None)
    assert calls == [stream]  # not wrapped: no cost on GET
