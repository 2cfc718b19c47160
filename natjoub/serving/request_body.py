"""Request bodies at the WSGI level (the middleware around Django in natjoub/wsgi.py).

* Every request body is read before its response goes out. When a response is sent before the
  body was read (401 from authentication, 405, 413, 415), the HTTP server cannot reuse the
  connection: it closes it after the response, without saying so, and the client's next request on
  that keep-alive connection fails with "server disconnected". Reading (and discarding) what the
  application left unread keeps the connection usable. A body far beyond the request limit is not
  read: its response says ``Connection: close`` instead.
* A chunked body (no ``Content-Length``) is read here, up to one byte over the request limit, and
  handed to Django with its length: Django reads exactly ``Content-Length`` bytes and would see no
  body at all. Over the limit, the length says so and Django's body-size check answers 413, with
  the usual headers and log line (docs/api.md §3.1).
"""

from __future__ import annotations

import io

DRAIN_LIMIT = 16 * 1024 * 1024  # bytes read at most, beyond what the application read
CHUNK = 64 * 1024


class _CountingInput:
    """``wsgi.input`` that counts the bytes the application read."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size) if size is not None and size >= 0 else self._stream.read()
        self.read_bytes += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self._stream.readline(size) if size is not None and size >= 0 else self._stream.readline()
        self.read_bytes += len(data)
        return data

    def __iter__(self):
        return iter(self.readline, b"")


def _declared_length(environ) -> int | None:
    """Content-Length as an int; None for a body without one (chunked)."""
    raw = environ.get("CONTENT_LENGTH") or ""
    if not raw:
        return None if environ.get("HTTP_TRANSFER_ENCODING") else 0
    try:
        return max(int(raw), 0)
    except ValueError:
        return None


def drain(stream: _CountingInput, length: int | None) -> bool:
    """Read what is left of the body, at most DRAIN_LIMIT bytes; True when it was read to its end."""
    if length is not None and length - stream.read_bytes > DRAIN_LIMIT:
        return False
    budget = DRAIN_LIMIT
    while budget > 0:
        want = CHUNK if length is None else min(CHUNK, length - stream.read_bytes)
        if want <= 0:
            return True
        data = stream.read(want)
        if not data:  # the end of a chunked body, or a client that sent less than it announced
            return True
        budget -= len(data)
    return False


def _read_up_to(stream, size: int) -> tuple[bytes, bool]:
    """Up to ``size`` bytes of a stream, and whether its end was reached."""
    parts, read = [], 0
    while read < size:
        data = stream.read(min(CHUNK, size - read))
        if not data:
            return b"".join(parts), True
        parts.append(data)
        read += len(data)
    return b"".join(parts), False


class DrainRequestBody:
    """See the module docstring. ``body_limit``: the request limit a chunked body is measured by."""

    def __init__(self, app, *, body_limit: int | None = None) -> None:
        self.app = app
        self.body_limit = body_limit

    def __call__(self, environ, start_response):
        length = _declared_length(environ)
        if length == 0:
            return self.app(environ, start_response)
        stream = _CountingInput(environ["wsgi.input"])
        if length is None and self.body_limit is not None:
            body, complete = _read_up_to(stream, self.body_limit + 1)
            environ["wsgi.input"] = io.BytesIO(body)  # what Django leaves of it is already read
            environ["CONTENT_LENGTH"] = str(len(body))
            remaining = stream.read_bytes if complete else None
        else:
            environ["wsgi.input"] = stream
            remaining = length
        captured: list = []

        def deferred_start_response(status, headers, exc_info=None):
            captured[:] = [status, headers, exc_info]
            return _no_write

        result = self.app(environ, deferred_start_response)
        status, headers, exc_info = captured
        if not drain(stream, remaining):
            headers = [(name, value) for name, value in headers if name.lower() != "connection"]
            headers.append(("Connection", "close"))
        start_response(status, headers, exc_info)
        return result


def _no_write(data: bytes) -> None:
    raise NotImplementedError("the deprecated WSGI write() callable is not supported")
