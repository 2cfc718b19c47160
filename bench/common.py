"""Shared helpers for the benchmarks: start granian, wait for it, run wrk, format tables.

Benchmarks never gate CI. They send traffic only to 127.0.0.1 and are bounded in time.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def granian(app: str, env: dict[str, str], *, workers: int = 2, threads: int = 4):
    """Serve ``app`` (module:attr) with the production server settings; yield the base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--blocking-threads", str(threads), "--no-access-log", "--log-level", "warning",
        app,
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
        path = shutil.which("wrk")
    if not path:
        sys.exit("wrk is required: apt-get install wrk")
    return path


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    return float(match[1]) * _UNITS[match[2]] if match else float("nan")


def run_wrk(url: str, *, seconds: int = 10, connections: int = 32, threads: int = 2, script: str | None = None) -> dict:
    """Load ``url`` with wrk; return requests/s, p50/p99 in ms, non-2xx/3xx responses and errors."""
    command = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    p50 = _ms(re.search(r"50%\s+(\S+)", output)[1])
    p99 = _ms(re.search(r"99%\s+(\S+)", output)[1])
    non_ok = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": rps,
        "p50_ms": p50,
        "p99_ms": p99,
        "non_2xx": int(non_ok[1]) if non_ok else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "raw": output,
    }


def machine_facts() -> str:
    pg = "embedded PostgreSQL 18" if not os.environ.get("DATABASE_URL") else "DATABASE_URL server"
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}, {pg}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )


def table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    head = "| " + " | ".join(title for _, title in columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    body = [
        "| "
        + " | ".join(f"{row[key]:.1f}" if isinstance(row[key], float) else str(row[key]) for key, _ in columns)
        + " |"
        for row in rows
    ]
    return "\n".join([head, rule, *body])
