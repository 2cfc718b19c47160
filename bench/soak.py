"""Soak: a bounded mixed run watching worker memory and errors (issue 6, item 6).

    .venv/bin/python bench/soak.py [--minutes 10] [--clients 16]
    .venv/bin/python bench/soak.py --minutes 1          # quick check

The mixed workload of mixed_load.py (70 % reads, 20 % movements, 10 % profile; wrk + Lua) runs
against granian (2 workers x 4 threads) on a fresh seeded database (``natjoub_bench_soak``) in
back-to-back slices of ``--sample`` seconds (10 by default). After each slice the RSS of every
worker process (children of the granian main PID, psutil) is sampled. Goals: total worker RSS at
the end within 10 % of its value after the warm-up (the first minute; half the run when shorter
than 2 minutes), the same worker PIDs throughout, error rate 0, and the ledger equal to the stock
levels at the end. Writes bench/results/soak.md and soak.json; exit 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
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

MB = 1024 * 1024
GROWTH_LIMIT = 0.10


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16, help="concurrent wrk connections")
    parser.add_argument("--sample", type=float, default=10, help="seconds per slice / RSS sample")
    parser.add_argument("--warmup-minutes", type=float, default=None, help="default: 1, or half of a shorter run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--db", default="natjoub_bench_soak")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    total_s = args.minutes * 60
    warmup_s = 60 * (args.warmup_minutes if args.warmup_minutes is not None else min(1.0, args.minutes / 2))

    samples = []
    with (
        bench_database(args.db, keep=args.keep_db) as url,
        Server(url, workers=args.workers, threads=args.threads) as srv,
    ):
        facts = machine(url)
        lua, _pairs = prepare_mixed(srv, "natjoub-soak-")
        if lua is None:
            return 1
        rss = srv.worker_rss()
        samples.append({"t_s": 0.0, "requests": 0, "rps": 0.0, "p99_ms": float("nan"), "errors": 0,
                        "rss_mb": sum(rss.values()) / MB, "workers": sorted(rss),
                        "per_worker_mb": " ".join(f"{v / MB:.0f}" for _, v in sorted(rss.items()))})  # fmt: skip
        t0 = time.monotonic()
        while time.monotonic() - t0 < total_s - 0.5:
            slice_s = min(args.sample, total_s - (time.monotonic() - t0))
            result = wrk(srv.base + "/", seconds=max(1.0, slice_s), connections=args.clients, script=lua)
            rss = srv.worker_rss()
            samples.append({
                "t_s": time.monotonic() - t0, "requests": result["requests"], "rps": result["rps"],
                "p99_ms": result["p99_ms"], "errors": result["non_2xx"] + result["socket_errors"],
                "statuses": result["statuses"], "rss_mb": sum(rss.values()) / MB, "workers": sorted(rss),
                "per_worker_mb": " ".join(f"{v / MB:.0f}" for _, v in sorted(rss.items())),
            })  # fmt: skip
            print(f"t={samples[-1]['t_s']:6.1f}s  {result['rps']:8.1f} req/s  p99 {result['p99_ms']:6.1f} ms  "
                  f"errors {samples[-1]['errors']}  worker RSS {samples[-1]['rss_mb']:.1f} MB", flush=True)  # fmt: skip
        ledger = check_ledger(url, set())
        tracebacks = srv.log().count("Traceback")

    warm = next((s for s in samples if s["t_s"] >= warmup_s), samples[-1])
    end = samples[-1]
    growth = (end["rss_mb"] - warm["rss_mb"]) / warm["rss_mb"] if warm["rss_mb"] else float("nan")
    requests = sum(s["requests"] for s in samples)
    errors = sum(s["errors"] for s in samples)
    error_rate = errors / requests if requests else float("nan")
    same_workers = all(s["workers"] == samples[0]["workers"] for s in samples)
    checks = [
        (f"worker RSS growth after warm-up < {GROWTH_LIMIT:.0%}", growth < GROWTH_LIMIT,
         f"{warm['rss_mb']:.1f} MB at t={warm['t_s']:.0f} s -> {end['rss_mb']:.1f} MB at t={end['t_s']:.0f} s "
         f"({growth:+.1%})"),
        ("error rate 0", errors == 0, f"{errors} errors in {requests} requests"),
        ("same worker processes throughout", same_workers, f"workers {samples[0]['workers']}"),
        ("ledger == stock levels at the end", ledger["reconcile_exit"] in (0, None) and not ledger["sql_drift_rows"],
         f"reconcile_stock exit {ledger['reconcile_exit']}; SQL drift rows {len(ledger['sql_drift_rows'])}"),
        ("no tracebacks in the server log", tracebacks == 0, f"{tracebacks}"),
    ]  # fmt: skip
    passed = all(c[1] for c in checks)
    short = args.minutes < 10
    report = "\n".join(
        [
            "# Soak: bounded mixed load, worker memory and errors",
            "",
            f"Machine: {machine_line(facts)}. Server: granian, {args.workers} workers x {args.threads} threads, "
            f"rate limiting off, fresh seeded database. Load: the mixed workload of mixed_load.py (wrk + Lua, "
            f"{args.clients} connections) for {args.minutes:g} min in {args.sample:g} s slices; worker RSS "
            f"(psutil, children of the granian main PID) sampled after each slice; warm-up {warmup_s:.0f} s."
            + (f" **Short run ({args.minutes:g} min): indicative only; the goal is stated for 10 min.**"
               if short else ""),
            "",
            f"Result: **{'PASS' if passed else 'FAIL'}**. {requests} requests, "
            f"{requests / max(end['t_s'], 1e-9):.1f} req/s on average, error rate {error_rate:.4%}.",
            "",
            md_table([{"check": c, "ok": "yes" if o else "**NO**", "detail": d} for c, o, d in checks],
                     [("check", "check"), ("ok", "ok"), ("detail", "detail")]),
            "",
            md_table(samples, [("t_s", "t s"), ("rps", "req/s"), ("p99_ms", "p99 ms"), ("errors", "errors"),
                               ("rss_mb", "worker RSS MB (sum)"), ("per_worker_mb", "per worker MB")]),
            "",
        ]
    )  # fmt: skip
    print(report)
    write_results(
        "soak",
        report,
        {
            "benchmark": "soak",
            "machine": facts,
            "minutes": args.minutes,
            "short_run": short,
            "passed": passed,
            "rss_growth": growth,
            "error_rate": error_rate,
            "checks": [{"check": c, "ok": o, "detail": d} for c, o, d in checks],
            "samples": samples,
            "ledger": ledger,
        },
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
