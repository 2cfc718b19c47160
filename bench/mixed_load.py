"""Mixed load: reads and writes of the real API at several concurrency levels (issue 6, item 5).

    .venv/bin/python bench/mixed_load.py [--seconds 10] [--clients 8,32,64]

On a fresh seeded database (``natjoub_bench_mixed``) served by granian with the production
settings (2 workers x 4 threads), wrk drives a weighted random mix per request:
70 % reads (item list, one item, stock by branch, low stock; equal shares), 20 % POST movements
(IN or OUT of 1 on every item x branch row, 56 rows, primed so OUT never runs out), 10 % GET of
the admin profile; all as the demo admin. For every client count: req/s, p50/p99, error rate
(non-2xx + socket errors), and the /health/live ceiling of the same server at the same
concurrency (ratio = mixed / ceiling). At the end the ledger must still equal the stock levels.
Writes bench/results/mixed.md and mixed.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    MIX,
    Server,
    bench_database,
    check_ledger,
    machine,
    machine_line,
    md_table,
    prepare_mixed,
    write_results,
    wrk,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="duration of each mixed scenario")
    parser.add_argument("--ceiling-seconds", type=float, default=5, help="duration of each /health/live run")
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--clients", default="8,32,64", help="comma-separated concurrent connections")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--db", default="natjoub_bench_mixed")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",") if c]

    rows = []
    with (
        bench_database(args.db, keep=args.keep_db) as url,
        Server(url, workers=args.workers, threads=args.threads) as srv,
    ):
        facts = machine(url)
        lua, pairs = prepare_mixed(srv, "natjoub-mixed-")
        if lua is None:
            return 1
        for clients in levels:
            wrk(srv.base + "/", seconds=args.warmup, connections=clients, script=lua)  # warm-up
            mixed = wrk(srv.base + "/", seconds=args.seconds, connections=clients, script=lua)
            ceiling = wrk(srv.base + "/health/live", seconds=args.ceiling_seconds, connections=clients)
            row = {
                "scenario": f"mixed, {clients} clients",
                "clients": clients,
                **{k: v for k, v in mixed.items() if k != "raw"},
                "error_pct": 100 * mixed["error_rate"],
                "ceiling_rps": ceiling["rps"],
                "ratio": mixed["rps"] / ceiling["rps"] if ceiling["rps"] else float("nan"),
                "ratio_label": "mixed / /health/live at the same concurrency",
            }
            row["error_pct_text"] = f"{row['error_pct']:.2f}"
            row["ratio_text"] = f"{row['ratio']:.2f}"
            row["statuses_text"] = " ".join(f"{k}:{v}" for k, v in sorted(row["statuses"].items()))
            rows.append(row)
            print(
                f"{row['scenario']}: {row['rps']:.1f} req/s, p50 {row['p50_ms']:.1f} ms, "
                f"p99 {row['p99_ms']:.1f} ms, errors {row['error_pct']:.2f} %, "
                f"ceiling {ceiling['rps']:.1f} req/s, ratio {row['ratio']:.2f}",
                flush=True,
            )
        ledger = check_ledger(url, set())
        server_log_errors = srv.log().count("Traceback")

    short = args.seconds < 10
    report = "\n".join(
        [
            "# Mixed load (reads + writes, granian WSGI)",
            "",
            f"Machine: {machine_line(facts)}. Server: granian, {args.workers} workers x {args.threads} threads, "
            f"rate limiting off, fresh seeded database. Client: wrk (2 threads, Lua mix, --timeout 10s) on the "
            f"same 2 cores as the server and PostgreSQL. {args.seconds:g} s per scenario after a {args.warmup:g} s "
            f"warm-up; /health/live ceiling {args.ceiling_seconds:g} s at the same concurrency."
            + (" **Short run: figures are indicative only.**" if short else ""),
            "",
            f"Mix per request: {MIX['reads']} % reads (GET items?limit=20 / items/{{id}} / "
            f"stock-levels/branch/{{id}} / stock-levels/low-stock, equal shares), {MIX['movements']} % POST "
            f"movements (IN or OUT of 1 on {len(pairs)} item x branch rows), {MIX['profile']} % GET admin "
            "profile; all as the demo admin.",
            "",
            md_table(rows, [("scenario", "scenario"), ("rps", "req/s"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"),
                            ("max_ms", "max ms"), ("error_pct_text", "errors %"), ("statuses_text", "statuses"),
                            ("ceiling_rps", "/health/live req/s"), ("ratio_text", "mixed / ceiling")]),
            "",
            f"Ledger after the runs: reconcile_stock exit {ledger['reconcile_exit']}, "
            f"SQL drift rows {len(ledger['sql_drift_rows'])}. Server log tracebacks: {server_log_errors}.",
            "",
        ]
    )  # fmt: skip
    print(report)
    write_results(
        "mixed",
        report,
        {
            "benchmark": "mixed",
            "machine": facts,
            "seconds": args.seconds,
            "short_run": short,
            "mix": MIX,
            "scenarios": rows,
            "ledger": ledger,
            "server_tracebacks": server_log_errors,
        },
    )
    errors = any(r["error_rate"] > 0 for r in rows)
    drift = ledger["reconcile_exit"] not in (0, None) or ledger["sql_drift_rows"]
    return 1 if errors or drift or server_log_errors else 0


if __name__ == "__main__":
    sys.exit(main())
