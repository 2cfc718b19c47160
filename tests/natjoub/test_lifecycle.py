"""Process lifecycle of `manage.py serve` (docs/architecture.md, "Process lifecycle").

Every test runs the real server (granian, its workers, the embedded PostgreSQL on a data directory of
its own) while two CPU-bound processes keep both cores busy, because the defects these tests guard
against only showed on a loaded machine:

* SIGINT to the process group (a terminal's Ctrl-C), or SIGTERM: stopped within 10 s, every time,
  exit status 0, nothing left (no granian process, no PostgreSQL process on the data directory);
* SIGKILL of the whole tree, PostgreSQL included (a crash): the next start recovers and serves;
* a port in use: a clear error and a non-zero exit, nothing started;
* keep-alive connections: requests refused without reading their body (401, 405, 413, 415), mixed
  with normal ones, never cost the client its connection.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from natjoub.db.embedded import EmbeddedServer

ROOT = Path(__file__).resolve().parents[2]
ENV_URI = "NATJOUB_EMBEDDED_DB_URI"  # an inherited embedded server would be shared, not owned
STOP_DEADLINE = 10.0
pytestmark = pytest.mark.lifecycle


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))  # noqa: S104 - the address serve binds
        except OSError:
            return False
    return True


def alive(pid: int) -> bool:
    """A process that still exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def server_processes(data_dir: Path) -> list[int]:
    """PostgreSQL processes of a data directory (each one chdirs into it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if Path(os.readlink(entry / "cwd")) == data_dir and alive(int(entry.name)):
                    found.append(int(entry.name))
    return found


def served_from(data_dir: Path) -> list[int]:
    """Every process of a test server (serve, granian and its workers): they inherit its
    ``EMBEDDED_PG_DATA``. A granian main process started by serve a moment before a crash kill
    is nobody's descendant once serve is gone (seen once: an orphan serving after the test)."""
    marker = f"EMBEDDED_PG_DATA={data_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError):
                if marker in (entry / "environ").read_bytes().split(b"\0") and alive(int(entry.name)):
                    found.append(int(entry.name))
    return found


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


@contextlib.contextmanager
def cpu_hog():
    """Keep both cores busy for the duration of the block."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


@pytest.fixture(scope="module")
def data_dir() -> Path:
    """A folder of its own under /tmp, not pytest's: the embedded server runs as its own system
    user when we are root, and every pytest session makes /tmp/pytest-of-root private again (0700),
    which a second session on the machine would do under a running server."""
    root = Path(tempfile.mkdtemp(prefix="natjoub-lifecycle-"))
    root.chmod(0o755)
    yield root / "pgdata"
    EmbeddedServer(root / "pgdata").stop(mode="immediate")
    shutil.rmtree(root, ignore_errors=True)


class Server:
    """`manage.py serve` in a process group of its own, as a terminal runs it."""

    def __init__(self, data_dir: Path, port: int, *extra: str, rate_limits: bool = True) -> None:
        env = {k: v for k, v in os.environ.items() if k not in (ENV_URI, "DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
        env.update(EMBEDDED_PG_DATA=str(data_dir), PORT=str(port), RATE_LIMIT_ENABLED=str(rate_limits).lower())
        self.port, self.data_dir = port, data_dir
        self.log = open(data_dir.parent / f"serve-{port}-{time.monotonic_ns()}.log", "w+")  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "serve", "--port", str(port), *extra],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.tree: set[int] = {self.process.pid}

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-3000:]

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"serve exited early:\n{self.output()}"
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/health/ready")
                if conn.getresponse().status == 200:
                    # both workers bind the port: wait until granian has spawned every process
                    self.tree |= descendants(self.process.pid)
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"not ready after {timeout} s:\n{self.output()}")

    def traffic(self, requests: int = 20) -> None:
        for _ in range(requests):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            conn.request("GET", "/api/v1/inventory/items")  # 401: no token, a real route through Django
            assert conn.getresponse().status in (401, 429)  # 429 once the api bucket is spent
            conn.close()
        self.tree |= descendants(self.process.pid)

    def left_behind(self) -> list[int]:
        left = {pid for pid in self.tree if alive(pid)} | set(served_from(self.data_dir))
        return sorted(left | set(server_processes(self.data_dir.resolve())))

    def wait_stopped(self, deadline: float) -> float:
        started = time.monotonic()
        while time.monotonic() - started < deadline:
            if self.process.poll() is not None and not self.left_behind():
                return time.monotonic() - started
            time.sleep(0.05)
        raise AssertionError(
            f"after {deadline} s: serve rc={self.process.poll()}, alive={self.left_behind()}\n{self.output()}"
        )

    def kill_everything(self) -> None:
        """A crash: SIGKILL for the whole tree, PostgreSQL included. serve first, so that it
        cannot start a process between the scan and the kill."""
        tree = self.tree | descendants(self.process.pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        victims = {pid for pid in tree if alive(pid)}
        victims |= set(server_processes(self.data_dir.resolve())) | set(served_from(self.data_dir))
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def cleanup(data_dir):
    servers: list[Server] = []
    yield servers
    for server in servers:
        if server.process.poll() is None:
            os.killpg(server.process.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.process.wait(15)
        with contextlib.suppress(ProcessLookupError):
            for pid in server.left_behind():
                os.kill(pid, signal.SIGKILL)
        server.log.close()


def start(data_dir, cleanup, port=None, *extra, **kwargs) -> Server:
    server = Server(data_dir, port or free_port(), *extra, **kwargs)
    cleanup.append(server)
    return server


@pytest.mark.parametrize(("signum", "tries"), [(signal.SIGINT, 10), (signal.SIGTERM, 3)])
def test_group_signal_stops_everything_within_10_s(data_dir, cleanup, signum, tries):
    durations = []
    with cpu_hog():
        for _ in range(tries):
            server = start(data_dir, cleanup)
            server.wait_ready()
            server.traffic()
            os.killpg(server.process.pid, signum)
            durations.append(server.wait_stopped(STOP_DEADLINE))
            assert server.process.returncode == 0, server.output()
            assert port_is_free(server.port)
    assert len(durations) == tries


def test_restarts_after_the_whole_tree_was_killed(data_dir, cleanup):
    with cpu_hog():
        for _ in range(10):
            server = start(data_dir, cleanup)
            server.wait_ready()
            server.traffic(5)
            server.kill_everything()
        server = start(data_dir, cleanup)  # the 10th crash recovers too, then a clean stop
        server.wait_ready()
        server.traffic(5)
        os.killpg(server.process.pid, signal.SIGINT)
        server.wait_stopped(STOP_DEADLINE)
        assert server.process.returncode == 0


def test_a_half_written_pid_registry_and_a_stale_postmaster_pid_do_not_stop_a_start(data_dir, cleanup):
    server = start(data_dir, cleanup)
    server.wait_ready()
    server.kill_everything()
    (data_dir / "natjoub-users.json").write_text("[[12")  # cut off mid-write
    pid_file = data_dir / "postmaster.pid"
    lines = pid_file.read_text().splitlines()
    pid_file.write_text("\n".join([str(os.getpid()), *lines[1:]]) + "\n")  # a live pid that is not postgres
    server = start(data_dir, cleanup)
    server.wait_ready()
    server.traffic(3)


def test_a_port_in_use_is_an_error(data_dir, cleanup):
    first = start(data_dir, cleanup)
    first.wait_ready()
    env = {k: v for k, v in os.environ.items() if k not in (ENV_URI, "DJANGO_SETTINGS_MODULE")}
    env.update(EMBEDDED_PG_DATA=str(data_dir), PORT=str(first.port))
    second = subprocess.run(
        ["make", "--no-print-directory", "run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,  # noqa: S607
    )  # fmt: skip
    assert second.returncode != 0
    assert f"Port {first.port} is already in use" in second.stderr
    assert "NatJoub is starting" not in second.stdout  # nothing was served
    conn = http.client.HTTPConnection("127.0.0.1", first.port, timeout=5)
    conn.request("GET", "/health/ready")
    assert conn.getresponse().status == 200  # the first server is unaffected


# -- keep-alive connections and early rejections ----------------------------------------------
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SMALL_JSON = json.dumps({"name": "x" * 300}).encode()
OVER_LIMIT = b"x" * 1_100_000  # over the 1 MiB limit: 413 before anything reads it
CHUNKED = {"Transfer-Encoding": "chunked"}
CHUNKED_REFRESH = (b'{"refreshToken": ', b'"not-a-token"}')  # sent as two chunks
CHUNKED_OVER_LIMIT = tuple([b"y" * 100_000] * 11)


def keep_alive_cases(token: str) -> list[tuple[str, str, bytes | None, dict, int]]:
    bearer = {"Authorization": f"Bearer {token}"}
    return [
        ("GET", "/health/live", None, {}, 200),
        ("GET", "/api/v1/inventory/items?limit=5", None, bearer, 200),
        ("POST", "/api/v1/inventory/items", SMALL_JSON, JSON, 401),  # no token: body never read
        ("PUT", "/api/v1/inventory/movements", SMALL_JSON, {**JSON, **bearer}, 405),
        ("DELETE", "/api/v1/auth/login", SMALL_JSON, JSON, 405),
        ("PATCH", "/api/v1/inventory/branches", SMALL_JSON, {**JSON, **bearer}, 405),
        ("POST", "/api/v1/auth/refresh-token", b"a=1&b=2", FORM, 415),
        ("POST", "/api/v1/inventory/categories", OVER_LIMIT, {**JSON, **bearer}, 413),
        ("POST", "/health/live", SMALL_JSON, JSON, 405),
        # chunked bodies (no Content-Length): parsed (401 for a bad token, not 400 "required")...
        ("POST", "/api/v1/auth/refresh-token", CHUNKED_REFRESH, {**JSON, "Transfer-Encoding": "chunked"}, 401),
        # ...and measured against the limit
        (
            "POST",
            "/api/v1/inventory/categories",
            CHUNKED_OVER_LIMIT,
            {**JSON, **bearer, "Transfer-Encoding": "chunked"},
            413,
        ),
        ("GET", "/api/v1/inventory/branches", None, bearer, 200),
    ]


def login(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"identifier": "admin@example.com", "password": "admin123"})
    conn.request("POST", "/api/v1/auth/login", body=body, headers=JSON)
    response = conn.getresponse()
    assert response.status == 200
    return json.loads(response.read())["data"]["accessToken"]


def test_keep_alive_connections_survive_early_rejections(data_dir, cleanup):
    server = start(data_dir, cleanup, None, rate_limits=False)
    server.wait_ready()
    cases = keep_alive_cases(login(server.port))
    clients, per_client = 4, 5_000
    errors: list[str] = []
    statuses: Counter = Counter()
    reconnects = Counter()
    lock = threading.Lock()

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for i in range(per_client):
            method, path, body, headers, expected = cases[(i + offset) % len(cases)]
            try:
                chunked = isinstance(body, tuple)
                conn.request(
                    method, path, body=iter(body) if chunked else body, headers=headers, encode_chunked=chunked
                )
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(f"{method} {path}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                continue
            with lock:
                statuses[(method, path, response.status, expected)] += 1
            if response.getheader("Connection", "").lower() == "close":  # announced: not a drop
                with lock:
                    reconnects[path] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.close()

    with cpu_hog():
        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == [], Counter(errors).most_common(5)
    assert sum(statuses.values()) == clients * per_client >= 20_000
    unexpected = {key: n for key, n in statuses.items() if key[2] != key[3]}
    assert unexpected == {}
    assert reconnects == Counter()  # bodies up to 16 MiB are read: the connection stays open
