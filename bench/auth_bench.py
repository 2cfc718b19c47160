"""Auth benchmark: login throughput against raw bcrypt, and the cost of bearer authentication.

    .venv/bin/python bench/auth_bench.py [--seconds 10] [--clients 8] [--keep-db]

Standalone (not run by CI). It creates a database ``natjoub_bench_auth`` on the embedded PostgreSQL
server (or on the server of ``DATABASE_URL`` when set), migrates it, seeds one admin with
``manage.py create_admin`` (real bcrypt, cost 12), starts granian with the production worker
settings (2 workers x 4 blocking threads, rate limiting off) on 127.0.0.1, and measures in one run:

  (a) POST /api/v1/auth/login with N concurrent keep-alive clients for a bounded time;
  (b) raw ``bcrypt.checkpw`` at cost 12 in as many processes as the server has workers (2),
      for the same time: the ceiling login can reach on this machine;
  (c) GET /api/v1/admin/auth/profile with a bearer token vs GET /health/live (no I/O), same clients.

Prints req/s, p50/p99 and the ratios (goal: login >= 0.9 x raw bcrypt), and writes
bench/results/auth.md. The HTTP client is the standard library (http.client, one keep-alive
connection per thread), so the script runs anywhere; every loop stops at its deadline.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import bcrypt
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import RESULTS, free_port, wait_http  # noqa: E402

DB_NAME = "natjoub_bench_auth"  # own name: other benchmarks may use natjoub_bench at the same time
ROUNDS = 5
EMAIL, PASSWORD = "bench.admin@example.com", "Bench!Passw0rd-42"


# -- database --------------------------------------------------------------------------------
def server_uri() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from natjoub.db.embedded import database_uri

    return database_uri()


def with_db(uri: str, name: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(uri)._replace(path="/" + name))


def recreate(uri: str) -> str:
    with psycopg.connect(with_db(uri, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return with_db(uri, DB_NAME)


def drop(uri: str) -> None:
    with psycopg.connect(with_db(uri, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def app_env(url: str, metrics_dir: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "natjoub.settings",
        "RATE_LIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("NATJOUB_EMBEDDED_DB_URI", None)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}")


# -- load --------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def http_load(port: int, method: str, path: str, *, clients: int, seconds: float, body=None, headers=None) -> dict:
    """``clients`` threads, each with one keep-alive connection, until the deadline."""
    payload = json.dumps(body).encode() if body is not None else None
    request_headers = {"Content-Type": "application/json", **(headers or {})} if payload else dict(headers or {})
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures = [0] * clients
    statuses: list[dict[str, int]] = [{} for _ in range(clients)]
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn.request(method, path, body=payload, headers=request_headers)
                response = conn.getresponse()
                response.read()
                ok = 200 <= response.status < 300
                key = str(response.status)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok, key = False, type(exc).__name__
            statuses[index][key] = statuses[index].get(key, 0) + 1
            latencies[index].append(time.perf_counter() - started)
            if not ok:
                failures[index] += 1
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.monotonic() - started
    flat = [x for per in latencies for x in per]
    return {
        "requests": len(flat),
        "rps": len(flat) / elapsed,
        "p50_ms": percentile(flat, 0.50) * 1000,
        "p99_ms": percentile(flat, 0.99) * 1000,
        "errors": sum(failures),
        "samples": flat,
        "elapsed": elapsed,
        "statuses": {k: sum(per.get(k, 0) for per in statuses) for k in sorted({k for per in statuses for k in per})},
    }


def merge(results: list[dict]) -> dict:
    """Combine rounds: total requests over total time; latency percentiles over every sample."""
    samples = [x for r in results for x in r["samples"]]
    return {
        "requests": sum(r["requests"] for r in results),
        "rps": sum(r["requests"] for r in results) / sum(r["elapsed"] for r in results),
        "p50_ms": percentile(samples, 0.50) * 1000,
        "p99_ms": percentile(samples, 0.99) * 1000,
        "errors": sum(r["errors"] for r in results),
        "statuses": {k: sum(r["statuses"].get(k, 0) for r in results) for r in results for k in r["statuses"]},
        "samples": samples,
        "elapsed": sum(r["elapsed"] for r in results),
    }


def _bcrypt_worker(args) -> list[float]:
    hashed, seconds = args
    deadline = time.monotonic() + seconds
    durations = []
    while time.monotonic() < deadline:
        started = time.perf_counter()
        bcrypt.checkpw(PASSWORD.encode(), hashed)
        durations.append(time.perf_counter() - started)
    return durations


def raw_bcrypt(processes: int, seconds: float) -> dict:
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=12))
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.map(_bcrypt_worker, [(hashed, seconds)] * processes)
    flat = [x for per in results for x in per]
    elapsed = max(sum(per) for per in results)  # busy time of the busiest process (pool start-up excluded)
    return {
        "requests": len(flat),
        "rps": len(flat) / elapsed,
        "p50_ms": percentile(flat, 0.50) * 1000,
        "p99_ms": percentile(flat, 0.99) * 1000,
        "errors": 0,
        "samples": flat,
        "elapsed": elapsed,
        "statuses": {"ok": len(flat)},
    }


# -- report ------------------------------------------------------------------------------------
def row(name: str, result: dict) -> str:
    return (
        f"| {name} | {result['requests']} | {result['rps']:.1f} | {result['p50_ms']:.1f} | "
        f"{result['p99_ms']:.1f} | {result['errors']} | {result['statuses']} |"
    )


def pg_version(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="duration of each measurement (default 10)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="granian workers = bcrypt processes (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="granian blocking threads per worker (default 4)")
    parser.add_argument("--keep-db", action="store_true", help="keep the natjoub_bench database afterwards")
    args = parser.parse_args()
    seconds = max(1.0, min(args.seconds, 120.0))
    clients = max(1, min(args.clients, 64))

    uri = server_uri()
    url = recreate(uri)
    metrics_dir = tempfile.mkdtemp(prefix="natjoub-bench-metrics-")
    env = app_env(url, metrics_dir)
    server = None
    version = "?"
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        version = pg_version(url)
        manage(env, "createcachetable")
        manage(env, "create_admin", "--no-input", "--email", EMAIL, "--password", PASSWORD,
               "--first-name", "Bench", "--last-name", "Admin")  # fmt: skip
        port = free_port()
        command = [
            sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(args.workers), "--blocking-threads", str(args.threads),
            "--no-access-log", "--log-level", "warning", "natjoub.wsgi:application",
        ]  # fmt: skip
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        wait_http(f"http://127.0.0.1:{port}/health/live", timeout=60)

        login_body = {"identifier": EMAIL, "password": PASSWORD}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/api/v1/auth/login", body=json.dumps(login_body),
                     headers={"Content-Type": "application/json"})  # fmt: skip
        answer = conn.getresponse()
        data = json.loads(answer.read())
        conn.close()
        if answer.status != 200:
            raise SystemExit(f"login preflight failed: {answer.status} {data}")
        bearer = {"Authorization": f"Bearer {data['data']['accessToken']}"}

        # warm-up: every worker process and thread imports, connects and hashes once
        http_load(port, "POST", "/api/v1/auth/login", clients=clients, seconds=2, body=login_body)
        http_load(port, "GET", "/api/v1/admin/auth/profile", clients=clients, seconds=1, headers=bearer)

        # (a) and (b) alternate in short rounds, so a noisy neighbour hurts both alike
        login_rounds, bcrypt_rounds = [], []
        for _ in range(ROUNDS):
            part = seconds / ROUNDS
            login = http_load(port, "POST", "/api/v1/auth/login", clients=clients, seconds=part, body=login_body)
            login_rounds.append(login)
            bcrypt_rounds.append(raw_bcrypt(args.workers, part))
        login, bcrypt_raw = merge(login_rounds), merge(bcrypt_rounds)
        profile = http_load(port, "GET", "/api/v1/admin/auth/profile", clients=clients, seconds=seconds,
                            headers=bearer)  # fmt: skip
        health = http_load(port, "GET", "/health/live", clients=clients, seconds=seconds)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if not args.keep_db:
            drop(uri)

    login_ratio = login["rps"] / bcrypt_raw["rps"]
    profile_ratio = profile["rps"] / health["rps"]
    report = "\n".join(
        [
            "# Auth benchmark (`bench/auth_bench.py`)",
            "",
            f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}, "
            f"PostgreSQL {version} ({'DATABASE_URL' if os.environ.get('DATABASE_URL') else 'embedded'}), "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
            f"Server: granian WSGI, {args.workers} workers x {args.threads} blocking threads, rate limiting off. "
            f"Load: {clients} stdlib keep-alive clients from 127.0.0.1 (sharing the cores with the server "
            f"and PostgreSQL), {seconds:g} s per scenario. Passwords: bcrypt (BCryptSHA256) cost 12.",
            "",
            "| scenario | requests | req/s | p50 ms | p99 ms | errors | statuses |",
            "|---|---|---|---|---|---|---|",
            row("(a) POST /api/v1/auth/login", login),
            row(f"(b) raw bcrypt.checkpw cost 12, {args.workers} processes", bcrypt_raw),
            row("(c1) GET /api/v1/admin/auth/profile (bearer)", profile),
            row("(c2) GET /health/live (no I/O)", health),
            "",
            f"Ratio login / raw bcrypt: **{login_ratio:.2f}** (goal >= 0.90: a login costs little beyond its bcrypt).",
            "",
            f"Ratio profile / health-live: **{profile_ratio:.2f}** (the profile costs one database query: bearer "
            "authentication loads user, role, credentials and the blacklist check together; /health/live does no "
            "I/O, so this ratio is the price of a database round trip plus DRF, not a goal).",
            "",
            f"Load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores. On a shared machine "
            "the absolute figures move a lot between runs; (a) and (b) alternate in "
            f"{ROUNDS} rounds so that the ratio compares like with like.",
            "",
        ]
    )
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "auth.md").write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
