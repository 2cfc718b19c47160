"""Read every request body before its response goes out (WSGI middleware).

When a response is sent before the request body was read (401 from authentication, 405, 413, 415),
the HTTP server cannot reuse the connection: it closes it after the response, without saying so,
and the client's next request on that keep-alive connection fails with "server disconnected".
Reading (and discarding) what the application left unread keeps the connection usable. A body far
beyond the request limit is not read: its response says ``Connection: close`` instead.
"""

from __future__ import annotations

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


class DrainRequestBody:
    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        length = _declared_length(environ)
        if length == 0:
            return self.app(environ, start_response)
        stream = _CountingInput(environ["wsgi.input"])
        environ["wsgi.input"] = stream
        captured: list = []

        def deferred_start_response(status, headers, exc_info=None):
            captured[:] = [status, headers, exc_info]
            return _no_write

        result = self.app(environ, deferred_start_response)
        status, headers, exc_info = captured
        if not drain(stream, length):
            headers = [(name, value) for name, value in headers if name.lower() != "connection"]
            headers.append(("Connection", "close"))
        start_response(status, headers, exc_info)
        return result


def _no_write(data: bytes) -> None:
    raise NotImplementedError("the deprecated WSGI write() callable is not supported")
