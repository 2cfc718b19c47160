"""A small HTTP client for the cluster tests: one connection per request (so HAProxy balances
every request), JSON in and out, and a chosen source address in 127.0.0.0/8 so that each test
is its own client for the rate limiter (HAProxy puts the address in X-Forwarded-For)."""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

_addresses = itertools.count(10)
_lock = threading.Lock()


def fresh_address() -> str:
    """A loopback address no other test uses (127.1.0.11, 127.1.0.12, ...)."""
    with _lock:
        n = next(_addresses)
    return f"127.1.{n // 250}.{n % 250 + 1}"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: dict | None

    @property
    def node(self) -> str | None:
        return self.headers.get("x-served-by")

    @property
    def data(self):
        return (self.body or {}).get("data")


class Client:
    def __init__(self, port: int, *, source: str | None = None, token: str | None = None, host: str = "127.0.0.1"):
        self.host, self.port = host, port
        self.source = source or fresh_address()
        self.token = token

    def request(self, method: str, path: str, body=None, headers: dict | None = None, timeout: float = 30) -> Response:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout, source_address=(self.source, 0))
        try:
            all_headers = {"Accept": "application/json", **(headers or {})}
            if self.token:
                all_headers["Authorization"] = f"Bearer {self.token}"
            payload = None
            if body is not None:
                payload = json.dumps(body).encode()
                all_headers["Content-Type"] = "application/json"
            conn.request(method, path, body=payload, headers=all_headers)
            raw = conn.getresponse()
            content = raw.read()
            headers_lower = {k.lower(): v for k, v in raw.getheaders()}
            parsed = None
            if headers_lower.get("content-type", "").startswith("application/json") and content:
                parsed = json.loads(content)
            return Response(raw.status, headers_lower, parsed)
        finally:
            conn.close()

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body=None, **kw) -> Response:
        return self.request("POST", path, body, **kw)

    def login(self, identifier: str, password: str) -> Client:
        """A client with the token of this sign-in (from its own address: logins are rate limited)."""
        response = Client(self.port).post("/api/v1/auth/login", {"identifier": identifier, "password": password})
        assert response.status == 200, response.body
        return Client(self.port, source=self.source, token=response.data["accessToken"])


def run_load(action, *, threads: int, seconds: float) -> Counter:
    """Call ``action(worker_index)`` in ``threads`` threads for ``seconds``; count what it returns
    (a status code, or the name of the exception it raised)."""
    stop_at = time.monotonic() + seconds
    counts: Counter = Counter()
    lock = threading.Lock()

    def worker(index: int) -> None:
        while time.monotonic() < stop_at:
            try:
                outcome = action(index)
            except OSError as exc:
                outcome = type(exc).__name__
            with lock:
                counts[outcome] += 1

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(worker, range(threads)))
    return counts
