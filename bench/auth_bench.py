"""Auth benchmark: login throughput against raw bcrypt, and the cost of bearer authentication.

    .venv/bin/python bench/auth_bench.py [--seconds 10] [--clients 8] [--keep-db]

Standalone (not run by CI). A fresh seeded database (bench/harness.py) and granian with the
production worker settings (2 workers x 4 blocking threads, rate limiting off) on 127.0.0.1;
measured in one run:

  (a) POST /api/v1/auth/login as the demo admin (bcrypt cost 12) with N keep-alive stdlib clients;
  (b) raw ``bcrypt.checkpw`` at cost 12 in as many processes as the server has workers, for the
      same time: the ceiling login can reach on this machine. (a) and (b) alternate in rounds so a
      noisy neighbour hurts both alike;
  (c) GET /api/v1/admin/auth/profile with a bearer token vs GET /health/live (no I/O), both with
      wrk at the same concurrency. wrk, not Python threads: a Python client saturates near a few
      hundred requests/s on 2 cores and would measure itself.

Goal: login >= 0.9 x raw bcrypt. Writes bench/results/auth.md and auth.json.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import threading
import time
from pathlib import Path

import bcrypt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness

ROUNDS = 5
EMAIL, PASSWORD = harness.ADMIN
LOGIN = "/api/v1/auth/login"
PROFILE = "/api/v1/admin/auth/profile"


def login_load(base: str, *, clients: int, seconds: float) -> dict:
    """``clients`` threads posting the demo admin's login until the deadline; every response counted."""
    records: list[list[harness.Response]] = [[] for _ in range(clients)]
    deadline = time.monotonic() + seconds
    body = {"identifier": EMAIL, "password": PASSWORD}

    def worker(index: int) -> None:
        client = harness.Http(base)
        while time.monotonic() < deadline:
            records[index].append(client.post(LOGIN, body))
        client.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    flat = [r for per in records for r in per]
    return summary([r.elapsed for r in flat], time.monotonic() - started,
                   harness.status_counts(flat), sum(r.status != 200 for r in flat))  # fmt: skip


def summary(durations: list[float], elapsed: float, statuses: dict, errors: int) -> dict:
    return {"requests": len(durations), "rps": len(durations) / elapsed, **harness.latency_summary(durations),
            "errors": errors, "error_rate": errors / len(durations) if durations else 0.0,
            "statuses": statuses, "samples": durations, "elapsed": elapsed}  # fmt: skip


def merge(results: list[dict]) -> dict:
    """Rounds combined: total requests over total time; percentiles over every sample."""
    samples = [x for r in results for x in r["samples"]]
    statuses: dict[str, int] = {}
    for r in results:
        for key, count in r["statuses"].items():
            statuses[key] = statuses.get(key, 0) + count
    return summary(samples, sum(r["elapsed"] for r in results), statuses, sum(r["errors"] for r in results))


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
    busy = max(sum(per) for per in results)  # busy time of the busiest process (pool start-up excluded)
    return summary(flat, busy, {"ok": len(flat)}, 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="duration of each measurement (default 10)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="granian workers = bcrypt processes (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="granian blocking threads per worker (default 4)")
    parser.add_argument("--keep-db", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()
    seconds = max(1.0, min(args.seconds, 120.0))
    clients = max(1, min(args.clients, 64))

    with harness.bench_database("natjoub_bench_auth", keep=args.keep_db) as url:
        facts = harness.machine(url)
        with harness.Server(url, workers=args.workers, threads=args.threads) as srv:
            token = harness.login(srv.base)
            # warm-up: every worker process and thread imports, connects and hashes once
            login_load(srv.base, clients=clients, seconds=2)
            harness.wrk_get(srv.base, PROFILE, token=token, seconds=2, connections=clients)
            login_rounds, bcrypt_rounds = [], []
            for _ in range(ROUNDS):
                login_rounds.append(login_load(srv.base, clients=clients, seconds=seconds / ROUNDS))
                bcrypt_rounds.append(raw_bcrypt(args.workers, seconds / ROUNDS))
            login, raw = merge(login_rounds), merge(bcrypt_rounds)
            profile = harness.wrk_get(srv.base, PROFILE, token=token, seconds=seconds, connections=clients)
            health = harness.wrk_get(srv.base, "/health/live", token=None, seconds=seconds, connections=clients)

    login_ratio = login["rps"] / raw["rps"]
    profile_ratio = profile["rps"] / health["rps"]
    rows = [
        {"scenario": "(a) POST /api/v1/auth/login", **login, "ratio": login_ratio,
         "ratio_label": "login / raw bcrypt"},
        {"scenario": f"(b) raw bcrypt.checkpw cost 12, {args.workers} processes", **raw},
        {"scenario": "(c1) GET /api/v1/admin/auth/profile (bearer, wrk)", **profile, "ratio": profile_ratio,
         "ratio_label": "profile / health-live"},
        {"scenario": "(c2) GET /health/live (no I/O, wrk)", **health},
    ]  # fmt: skip
    for row in rows:
        row.pop("samples", None)
        row["error_pct"] = row["error_rate"] * 100
    markdown = "\n".join(
        [
            "# Auth benchmark (`bench/auth_bench.py`)",
            "",
            f"Machine: {harness.machine_line(facts)}.",
            f"Server: granian WSGI, {args.workers} workers x {args.threads} blocking threads, rate limiting off. "
            f"Load from 127.0.0.1 sharing the cores with the server and PostgreSQL: (a) {clients} stdlib "
            f"keep-alive clients, (c) wrk with {clients} connections; {seconds:g} s per scenario. "
            "Passwords: bcrypt (BCryptSHA256) cost 12.",
            "",
            harness.md_table(rows, [("scenario", "scenario"), ("requests", "requests"), ("rps", "req/s"),
                                    ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"), ("errors", "errors")]),
            "",
            f"Ratio login / raw bcrypt: **{login_ratio:.2f}** (goal >= 0.90: a login costs little beyond its bcrypt).",
            "",
            f"Ratio profile / health-live: **{profile_ratio:.2f}** (goal >= 0.25; the profile costs one database "
            "query: bearer authentication loads user, role, credentials, the blacklist and session checks together, "
            "compiled once (natjoub/db/compiled.py); /health/live does no I/O).",
        ]
    )  # fmt: skip
    print(markdown)
    harness.write_results("auth", markdown, {"benchmark": "auth", "machine": facts, "seconds": seconds,
                                             "clients": clients, "scenarios": rows,
                                             "ratios": {"login / raw bcrypt": login_ratio,
                                                        "profile / health-live": profile_ratio}})  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
