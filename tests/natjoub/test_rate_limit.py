"""Rate limiting (docs/api.md §19): buckets, windows, Retry-After, and exact counts across processes."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

pytestmark = pytest.mark.django_db

LIMITS = {"RATE_LIMIT_ENABLED": True, "RATE_LIMIT_AUTH_PER_MINUTE": 5, "RATE_LIMIT_API_PER_MINUTE": 100}


@override_settings(**LIMITS)
def test_sixth_auth_request_gets_429_with_retry_after(client):
    statuses = [client.post("/api/v1/auth/login", {}, REMOTE_ADDR="10.9.0.1").status_code for _ in range(6)]
    assert 429 not in statuses[:5]
    limited = client.post("/api/v1/auth/login", {}, REMOTE_ADDR="10.9.0.1")
    assert limited.status_code == 429
    body = limited.json()
    assert body["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert body["message"] == "Too many requests. Please try again later."
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert statuses[5] == 429


@override_settings(**LIMITS)
def test_auth_endpoints_share_one_bucket_per_ip(client):
    paths = ["register", "login", "verify-otp", "resend-otp", "forgot-password", "reset-password/"]
    statuses = [client.post(f"/api/v1/auth/{p}", {}, REMOTE_ADDR="10.9.0.2").status_code for p in paths]
    assert statuses[-1] == 429
    assert client.post("/api/v1/auth/refresh-token", {}, REMOTE_ADDR="10.9.0.3").status_code != 429


@override_settings(**{**LIMITS, "RATE_LIMIT_API_PER_MINUTE": 3})
def test_api_bucket_counts_unknown_paths_and_401s_but_not_health(client):
    for _ in range(3):
        assert client.get("/api/v1/inventory/whatever", REMOTE_ADDR="10.9.0.4").status_code != 429
    assert client.get("/api/v1/inventory/items", REMOTE_ADDR="10.9.0.4").status_code == 429
    assert client.get("/health", REMOTE_ADDR="10.9.0.4").status_code == 200
    assert client.get("/api/schema/", REMOTE_ADDR="10.9.0.4").status_code == 200


@override_settings(**{**LIMITS, "RATE_LIMIT_ENABLED": False})
def test_disabled_counts_nothing(client):
    assert all(client.post("/api/v1/auth/login", {}).status_code != 429 for _ in range(8))


@override_settings(**LIMITS)
def test_window_ends_and_counting_restarts(client):
    for _ in range(6):
        client.post("/api/v1/auth/login", {}, REMOTE_ADDR="10.9.0.5")
    with connection.cursor() as cursor:  # let the window lapse without waiting a minute
        cursor.execute("UPDATE natjoub_cache SET expires = now() - interval '1 second' WHERE cache_key LIKE %s",
                       ["%rl:auth:10.9.0.5"])  # fmt: skip
    assert client.post("/api/v1/auth/login", {}, REMOTE_ADDR="10.9.0.5").status_code != 429


@override_settings(**{**LIMITS, "TRUSTED_PROXY_COUNT": 1})
def test_trusted_proxy_uses_forwarded_address(client):
    for n in range(5):
        client.post("/api/v1/auth/login", {}, HTTP_X_FORWARDED_FOR=f"1.2.3.4, 10.0.0.{n}", REMOTE_ADDR="10.9.0.6")
    # each request came from a different client according to the one trusted proxy
    assert client.post("/api/v1/auth/login", {}, HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.99").status_code != 429


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_counts_are_exact_across_server_processes():
    """Two granian worker processes, 12 parallel auth requests from one IP: exactly 5 pass."""
    with connection.cursor() as cursor:  # counters are not model rows: a previous run's may linger
        cursor.execute("DELETE FROM natjoub_cache WHERE cache_key LIKE %s", ["%rl:auth:127.0.0.1"])
    db = connection.settings_dict
    url = f"postgresql://{db['USER'] or 'postgres'}@/{db['NAME']}?host={db['HOST']}"
    if db["HOST"] and not db["HOST"].startswith("/"):
        url = f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "natjoub.settings",
        "RATE_LIMIT_ENABLED": "true",
        "RATE_LIMIT_AUTH_PER_MINUTE": "5",
        "DATABASE_POOL": "false",
        "LOG_LEVEL": "WARNING",
    }
    root = Path(__file__).resolve().parents[2]
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "2", "--no-access-log", "natjoub.wsgi:application"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=1)
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

        def login(_):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/auth/login", data=b"{}", method="POST",
                headers={"Content-Type": "application/json"},
            )  # fmt: skip
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    return response.status, None
            except urllib.error.HTTPError as error:
                return error.code, error.headers.get("Retry-After")

        with ThreadPoolExecutor(max_workers=12) as pool:
            results = list(pool.map(login, range(12)))
    finally:
        server.terminate()
        server.wait(timeout=15)
    limited = [retry for status, retry in results if status == 429]
    assert len(limited) == 7, results
    assert all(retry and 1 <= int(retry) <= 60 for retry in limited)


@override_settings(**{**LIMITS, "TRUSTED_PROXY_COUNT": 1})
@pytest.mark.parametrize(
    "forwarded",
    ["1.2.3.4\x00", "x" * 10_000, "1.2.3.4; DROP TABLE x", "999.1.1.1", "fe80::1%\x00" + "y" * 5000, "fe80::1%eth0"],
)
def test_forwarded_value_that_is_not_an_ip_counts_as_the_proxy(client, forwarded):
    """A hostile X-Forwarded-For never reaches the counter key: the request counts for REMOTE_ADDR."""
    statuses = [
        client.post("/api/v1/auth/login", {}, HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.9.0.7").status_code
        for _ in range(6)
    ]
    assert 429 not in statuses[:5]
    assert statuses[5] == 429
    assert client.post("/api/v1/auth/login", {}, REMOTE_ADDR="10.9.0.7").status_code == 429
