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
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from natjoub.serving import granian as granian_cli  # noqa: E402 - the production command line


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
    command = granian_cli.command(
        host="127.0.0.1", port=port, workers=workers, threads=threads, respawn=False, app=app,
        extra=["--log-level", "warning"],
    )  # fmt: skip
    environment = granian_cli.environment({**os.environ, **env})
    server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL)
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


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(match[1]) * _UNITS[match[2]] if match else float("nan")


def run_wrk(url: str, *, seconds: float, connections: int, threads: int = 2, script: str | None = None,
        timeout_s: int = 10) -> dict:  # fmt: skip
    """Run wrk; return requests, req/s, p50/p99/max, statuses (with a script), errors, error rate."""
    threads = max(1, min(threads, connections))
    command = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
               f"--timeout={timeout_s}s", "--latency"]  # fmt: skip
    if script:
        command += ["-s", script]
    done = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60)
    out = done.stdout
    if done.returncode != 0 or "Requests/sec" not in out:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{out}\n{done.stderr}")
    requests = int(re.search(r"(\d+) requests in", out)[1])
    non_ok = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    statuses = {}
    found = re.search(r"^STATUSES (.*)$", out, re.MULTILINE)
    if found and found[1]:
        statuses = {k: int(v) for k, v in (part.split("=") for part in found[1].split(","))}
    non_2xx = int(non_ok[1]) if non_ok else 0
    socket_errors = sum(int(n) for n in sock.groups()) if sock else 0
    attempts = requests + (int(sock[1]) if sock else 0)  # connect errors never became requests
    return {
        "requests": requests,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "p50_ms": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)[1]),
        "p99_ms": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)[1]),
        "max_ms": _ms(re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", out)[1]),
        "non_2xx": non_2xx,
        "socket_errors": socket_errors,
        "statuses": statuses,
        "error_rate": (non_2xx + socket_errors) / attempts if attempts else 0.0,
        "raw": out,
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
