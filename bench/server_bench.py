"""Server ceiling: the project's /health/live through the full middleware stack vs a one-line
Django view with no middleware, both under granian with the production worker settings.

    .venv/bin/python bench/server_bench.py [--seconds 10] [--connections 32]

Prints requests/s, p50/p99 and the ratio b/a (goal >= 0.8), and writes bench/results/server.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULTS, granian, machine_facts, run_wrk, table, wait_http
from bench.harness import JWT_SECRET, PRODUCTION_SERVER


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    rows = []
    scenarios = [
        ("a: hello view, no middleware", "bench.hello:application", "/hello", {}),
        ("b: /health/live, full stack", "natjoub.wsgi:application", "/health/live",
         {"DJANGO_SETTINGS_MODULE": "natjoub.settings", "LOG_LEVEL": "WARNING", "JWT_SECRET": JWT_SECRET,
          **PRODUCTION_SERVER}),
    ]  # fmt: skip
    for name, app, path, env in scenarios:
        with granian(app, env, workers=args.workers, threads=args.threads) as base:
            wait_http(base + path)
            run_wrk(base + path, seconds=2, connections=args.connections)  # warm-up
            result = run_wrk(base + path, seconds=args.seconds, connections=args.connections)
        rows.append({"scenario": name, **result})
    ratio = rows[1]["rps"] / rows[0]["rps"]
    report = "\n".join(
        [
            "# Server ceiling (granian WSGI)",
            "",
            f"Machine: {machine_facts()}. Server: granian, {args.workers} workers x {args.threads} threads. "
            f"Load: wrk, {args.connections} connections, {args.seconds} s, from 127.0.0.1.",
            "",
            table(rows, [("scenario", "scenario"), ("rps", "req/s"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"),
                         ("non_2xx", "non-2xx"), ("socket_errors", "socket errors")]),
            "",
            f"Ratio b/a: **{ratio:.2f}** (goal >= 0.80: our middleware costs at most a fifth).",
            "",
        ]
    )  # fmt: skip
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "server.md").write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
