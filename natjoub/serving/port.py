"""A port that is already in use is an error (docs/api.md §33).

Granian's workers each bind the port with ``SO_REUSEPORT``, so a second server would silently share
the port with the first (or with a stale worker) and split its requests. ``claim()`` first binds a
plain socket, which fails while anything else holds the port, then keeps a ``SO_REUSEPORT`` socket
bound (not listening, so it gets no connections) until the server exits: our own workers can still
bind beside it, and a second server's check fails from the first moment on.
"""

from __future__ import annotations

import errno
import socket


class PortInUse(Exception):
    def __init__(self, port: int) -> None:
        super().__init__(f"Port {port} is already in use")
        self.port = port


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def claim(host: str, port: int) -> socket.socket:
    """Raise ``PortInUse`` when the port is taken; else return the socket that holds it."""
    probe = socket.socket(_family(host), socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a previous run's TIME_WAIT is not "in use"
    try:
        probe.bind((host, port))
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise PortInUse(port) from None
        raise
    finally:
        probe.close()
    guard = socket.socket(_family(host), socket.SOCK_STREAM)
    guard.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        guard.bind((host, port))
    except OSError as exc:  # taken between the two binds
        guard.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(port) from None
        raise
    return guard
