"""Process fault: ``kill -9`` of an app-server worker under write load (issue 6, item 4).

    .venv/bin/python bench/worker_kill.py [--threads 8] [--before 3] [--after 6]

granian (production flags: 2 workers x 4 threads, --respawn-failed-workers) serves a fresh seeded
database (``natjoub_bench_kill``). ``--threads`` clients POST movements (IN/OUT of 1 on the 13
seeded stock rows, primed so OUT never runs out; each client opens a new connection every 25
requests so both workers get traffic). Mid-burst one worker (a child of the granian main PID,
found with psutil) gets SIGKILL; granian must respawn it; the load continues. Checks:

1. granian's main process survives and a new worker replaces the killed one;
2. the respawned worker serves requests (its CPU time grows during the rest of the burst);
3. every movement acknowledged with 201 is in the ledger, the ledger has at most one extra row per
   request whose connection broke (an outcome the client could not know), and the ledger equals
   the stock levels (``manage.py reconcile_stock`` exit 0 and an SQL recount): no half-applied
   movement;
4. no 5xx; connection errors only around the kill.

Writes bench/results/worker_kill.md and worker_kill.json; exit 1 when a check fails.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    Burst,
    Server,
    bench_database,
    check_ledger,
    fixtures,
    latency_summary,
    ledger_ids,
    login,
    machine,
    machine_line,
    md_table,
    prime_stock,
    seeded_pairs,
    status_counts,
    tracebacks,
    write_results,
)


def cpu_seconds(pid: int) -> float | None:
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return None
    return times.user + times.system


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=8, help="movement-posting client threads")
    parser.add_argument("--before", type=float, default=3, help="seconds of load before the kill")
    parser.add_argument("--after", type=float, default=6, help="seconds of load after the respawn")
    parser.add_argument("--respawn-timeout", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument("--db", default="natjoub_bench_kill")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)

    with bench_database(args.db, keep=args.keep_db) as url:
        facts = machine(url)
        srv = Server(url, workers=args.workers, threads=args.server_threads, respawn=True).start()
        try:
            token = login(srv.base)
            fx = fixtures(srv.base, token)
            pairs = seeded_pairs(fx)
            prime_stock(srv.base, token, pairs, 10_000)
            main_pid, workers_before = srv.pid, srv.worker_pids()
            baseline = ledger_ids(url)

            burst = Burst(srv.base, token, pairs, threads=args.threads, reconnect_every=25,
                          max_seconds=args.before + args.respawn_timeout + args.after + 30).start()  # fmt: skip
            time.sleep(args.before)
            victim = workers_before[0]
            t_kill = burst.now()
            os.kill(victim, signal.SIGKILL)
            respawned, t_respawn = None, None
            deadline = time.monotonic() + args.respawn_timeout
            while time.monotonic() < deadline:
                new = [pid for pid in srv.worker_pids() if pid not in workers_before]
                if new and len(srv.worker_pids()) == len(workers_before):
                    respawned, t_respawn = new[0], burst.now()
                    break
                time.sleep(0.05)
            cpu_start = cpu_seconds(respawned) if respawned else None
            time.sleep(args.after)
            cpu_end = cpu_seconds(respawned) if respawned else None
            burst.stop()
            t_end = burst.now()
            main_alive = srv.alive() and srv.pid == main_pid
            workers_after = srv.worker_pids()
            records = burst.records
            conn_errors = [r for r in records if r.status is None]
            ledger = check_ledger(url, burst.ok_ids(), baseline=baseline, unknown=len(conn_errors))
            log = srv.log()
        finally:
            srv.stop()

    ok = [r for r in records if r.status is not None and 200 <= r.status < 300]
    five_xx = [r for r in records if r.status is not None and r.status >= 500]
    other = [r for r in records if r.status is not None and not 200 <= r.status < 300 and r.status < 500]
    window_end = (t_respawn if t_respawn is not None else t_end) + 1.0
    errors_outside = [r for r in conn_errors if not (t_kill - 0.5 <= r.t + r.elapsed <= window_end)]
    respawned_served = cpu_start is not None and cpu_end is not None and cpu_end - cpu_start > 0.05
    checks = [
        ("granian main process survives", main_alive, f"main PID {main_pid}"),
        ("killed worker replaced", respawned is not None,
         f"killed {victim} at t={t_kill:.2f} s; new worker {respawned} after "
         f"{(t_respawn - t_kill):.2f} s; workers before {workers_before}, after {workers_after}"
         if respawned else f"no new worker within {args.respawn_timeout:g} s; workers now {workers_after}"),
        ("respawned worker serves", respawned_served,
         f"its CPU time grew {((cpu_end or 0) - (cpu_start or 0)):.2f} s during the {args.after:g} s after respawn"),
        ("every 201 movement is in the ledger", not ledger["missing_acknowledged"],
         f"{ledger['acknowledged']} acknowledged, {len(ledger['missing_acknowledged'])} missing"),
        ("ledger rows without a 201 <= broken connections", ledger["extra_rows_bounded"],
         f"{ledger['unacknowledged_in_ledger']} rows without a 201 seen, {len(conn_errors)} broken connections"),
        ("no half-applied movement (reconcile_stock exit 0, SQL recount)",
         ledger["reconcile_exit"] == 0 and not ledger["sql_drift_rows"],
         f"reconcile_stock exit {ledger['reconcile_exit']}; SQL drift rows {len(ledger['sql_drift_rows'])}"),
        ("no 5xx", not five_xx, f"{len(five_xx)} ({status_counts(five_xx)})"),
        ("connection errors only around the kill", not errors_outside,
         f"{len(conn_errors)} connection errors ({status_counts(conn_errors)}), {len(errors_outside)} outside "
         f"[kill - 0.5 s, respawn + 1 s]"),
    ]  # fmt: skip
    passed = all(c[1] for c in checks)
    phases = []
    for name, lo, hi in (("before the kill", 0, t_kill), ("kill -> respawn", t_kill, t_respawn or t_end),
                         ("after the respawn", t_respawn or t_end, t_end)):  # fmt: skip
        part = [r for r in records if lo <= r.t < hi]
        span = max(hi - lo, 1e-9)
        phases.append({
            "phase": name, "seconds": hi - lo, "count": len(part),
            "rps": sum(1 for r in part if r.status == 201) / span,
            "statuses": " ".join(f"{k}:{v}" for k, v in status_counts(part).items()) or "-",
            **latency_summary([r.elapsed for r in part]),
        })  # fmt: skip
    traces = tracebacks(log)
    report = "\n".join(
        [
            "# Worker kill: SIGKILL of a granian worker under write load",
            "",
            f"Machine: {machine_line(facts)}. Server: granian, {args.workers} workers x {args.server_threads} "
            f"threads, --respawn-failed-workers (respawn interval 3.5 s by default). Load: {args.threads} "
            f"threads POSTing IN/OUT of 1 on {len(pairs)} stock rows (stdlib client, new connection every 25 "
            f"requests), {args.before:g} s before the kill, {args.after:g} s after the respawn.",
            "",
            f"Result: **{'PASS' if passed else 'FAIL'}**. Totals: {len(records)} requests, {len(ok)} 2xx, "
            f"{len(conn_errors)} connection errors, {len(five_xx)} 5xx, {len(other)} other 4xx.",
            "",
            md_table([{"check": c, "ok": "yes" if o else "**NO**", "detail": d} for c, o, d in checks],
                     [("check", "check"), ("ok", "ok"), ("detail", "detail")]),
            "",
            md_table(phases, [("phase", "phase"), ("seconds", "s"), ("count", "requests"), ("rps", "201/s"),
                              ("statuses", "statuses"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"),
                              ("max_ms", "max ms")]),
            "",
            f"Server log: {log.count('Traceback')} tracebacks.",
            *(["", "```", *traces, "```"] if traces else []),
            "",
        ]
    )  # fmt: skip
    print(report)
    write_results(
        "worker_kill",
        report,
        {
            "benchmark": "worker_kill",
            "machine": facts,
            "passed": passed,
            "checks": [{"check": c, "ok": o, "detail": d} for c, o, d in checks],
            "phases": phases,
            "totals": {"requests": len(records), "ok": len(ok), "connection_errors": len(conn_errors),
                       "five_xx": len(five_xx), "other": len(other)},
            "ledger": ledger,
        },
    )  # fmt: skip
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
