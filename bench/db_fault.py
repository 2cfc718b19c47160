"""Database fault: PostgreSQL stops under write load and comes back (issue 6, item 3).

    .venv/bin/python bench/db_fault.py [--threads 6] [--before 3] [--outage 15] [--after 5]

A separate embedded PostgreSQL in a temporary directory (deleted at the end) gets a migrated,
seeded database; granian (production flags, 2 workers, --respawn-failed-workers) serves it.
Several threads POST movements (IN/OUT of 1 of ELEC-LAP-001 at WH-MAIN) and every response is
recorded; probes poll GET /health/ready and GET /api/v1/inventory/items every 0.25 s and GET
/api/v1/admin/auth/profile every 0.5 s.
Mid-burst PostgreSQL is stopped (``pg_ctl stop -m fast``), kept down for ``--outage`` seconds and
started again. Checks:

1. /health/ready answers 503 within 5 s of the stop;
2. during the outage API requests answer 503 with the SERVICE_UNAVAILABLE envelope: no 500, no
   connection error, none slower than 10 s;
3. after the restart the same granian processes (main PID and worker PIDs unchanged) serve
   /health/ready 200 and 201 movements again within ``--recovery-timeout`` seconds;
4. every movement acknowledged with 201 is in the ledger, and ``manage.py reconcile_stock`` exits 0
   (plus an independent SQL recount of quantity = signed sum of movements).

Prints a report and writes bench/results/db_fault.md and db_fault.json; exit 1 when a check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import free_port
from bench.harness import (
    Burst,
    Http,
    Server,
    check_ledger,
    fixtures,
    latency_summary,
    ledger_ids,
    login,
    machine,
    machine_line,
    md_table,
    prepare_database,
    prime_stock,
    recreate_database,
    status_counts,
    tracebacks,
    write_results,
)
from natjoub.db.embedded import EmbeddedServer

UNAVAILABLE = "Service temporarily unavailable"
READY_DEADLINE_S = 5.0
HANG_LIMIT_S = 10.0


def start_temp_postgres(parent: Path) -> EmbeddedServer:
    """A throw-away server of the project's own embedded PostgreSQL (natjoub.db.embedded)."""
    server = EmbeddedServer(parent / "pg", port=free_port())
    server.initdb()
    server.start()
    return server


def pg_stop(server: EmbeddedServer) -> None:
    server.stop("fast")


def pg_start(server: EmbeddedServer) -> None:
    server.start()  # same data dir, port and socket as the first start


class Probe:
    """Poll a path every ``interval`` s with a fresh-enough client; record (t, status, code, elapsed, error)."""

    def __init__(self, base: str, path: str, clock, token: str | None = None, interval: float = 0.25):
        self.base, self.path, self.clock, self.token, self.interval = base, path, clock, token, interval
        self.samples: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        client = Http(self.base, self.token, timeout=30)
        while not self._stop.is_set():
            t = self.clock()
            resp = client.get(self.path)
            self.samples.append(
                {"t": t, "end": t + resp.elapsed, "status": resp.status, "code": resp.code,
                 "elapsed": resp.elapsed, "error": resp.error, "body": resp.body}
            )  # fmt: skip
            self._stop.wait(self.interval)
        client.close()

    def start(self) -> Probe:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=40)


def envelope_ok(body) -> bool:
    return (
        isinstance(body, dict)
        and body.get("success") is False
        and body.get("data") is None
        and body.get("message") == UNAVAILABLE
        and body.get("error") == {"code": "SERVICE_UNAVAILABLE", "message": UNAVAILABLE, "details": None}
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=6, help="movement-posting client threads")
    parser.add_argument("--before", type=float, default=3, help="seconds of load before the stop")
    parser.add_argument("--outage", type=float, default=15, help="seconds PostgreSQL stays down")
    parser.add_argument("--after", type=float, default=5, help="seconds of load after recovery")
    parser.add_argument("--recovery-timeout", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server-threads", type=int, default=4)
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="natjoub-dbfault-"))
    tmp.chmod(0o755)  # the embedded server may run as another system user
    pg = start_temp_postgres(tmp)
    srv = None
    try:
        url = recreate_database(pg.uri(), "natjoub_fault")
        prepare_database(url)
        facts = machine(url)
        srv = Server(url, workers=args.workers, threads=args.server_threads).start()
        token = login(srv.base)
        fx = fixtures(srv.base, token)
        pair = (fx.items["ELEC-LAP-001"], fx.branches["WH-MAIN"])
        prime_stock(srv.base, token, [pair], 10_000)
        main_pid, workers_before = srv.pid, srv.worker_pids()
        baseline = ledger_ids(url)

        burst = Burst(srv.base, token, [pair], threads=args.threads, max_seconds=args.before + args.outage + 120)
        burst.start()
        ready = Probe(srv.base, "/health/ready", burst.now).start()
        reads = Probe(srv.base, "/api/v1/inventory/items?limit=5", burst.now, token=token).start()
        profile = Probe(srv.base, "/api/v1/admin/auth/profile", burst.now, token=token, interval=0.5).start()
        time.sleep(args.before)

        t_stop = burst.now()
        pg_stop(pg)
        t_stopped = burst.now()
        time.sleep(args.outage)
        t_start = burst.now()
        pg_start(pg)
        t_started = burst.now()

        # recovery: /health/ready 200 and a 201 movement that started after the restart
        deadline = time.monotonic() + args.recovery_timeout
        recovered_at = None
        while time.monotonic() < deadline:
            ready_ok = [s for s in ready.samples if s["t"] >= t_started and s["status"] == 200]
            write_ok = [r for r in list(burst.records) if r.t >= t_started and r.status == 201]
            if ready_ok and write_ok:
                recovered_at = max(ready_ok[0]["end"], write_ok[0].t + write_ok[0].elapsed)
                break
            time.sleep(0.1)
        time.sleep(args.after)
        burst.stop()
        ready.stop()
        reads.stop()
        profile.stop()
        alive = srv.alive()
        workers_after = srv.worker_pids()
        same_processes = alive and srv.pid == main_pid and workers_after == workers_before

        records = burst.records
        before = [r for r in records if r.t + r.elapsed < t_stop]
        in_flight = [r for r in records if r.t < t_stopped and r.t + r.elapsed >= t_stop]
        # answered while PostgreSQL was down: these must be 503s; requests that were still waiting
        # (for a pooled connection) when it came back may end either way, but never in a 500
        outage = [r for r in records if r.t >= t_stopped and r.t + r.elapsed <= t_start]
        spanning = [r for r in records if r.t >= t_stopped and r.t < t_started and r.t + r.elapsed > t_start]
        after = [r for r in records if r.t >= t_started]
        recovered_records = [r for r in after if recovered_at is not None and r.t >= recovered_at]

        probe_samples = reads.samples + profile.samples
        outage_reads = [s for s in probe_samples if s["t"] >= t_stopped and s["end"] <= t_start]
        ready_during = [s for s in ready.samples if s["t"] >= t_stop and s["status"] == 503]
        first_503 = ready_during[0]["end"] - t_stop if ready_during else None

        all_responses = records + [_as_rec(s) for s in probe_samples]
        five_hundreds = [r for r in all_responses if r.status is not None and r.status >= 500 and r.status != 503]
        bad_503 = [s for s in outage_reads if s["status"] == 503 and not envelope_ok(s["body"])]
        bad_503 += [r for r in outage if r.status == 503 and not envelope_ok(r.body)]
        conn_errors = [r for r in all_responses if r.status is None]
        slow = [r for r in all_responses if r.elapsed > HANG_LIMIT_S]
        outage_non_503 = [r for r in outage if r.status != 503] + [s for s in outage_reads if s["status"] != 503]
        errors_after_recovery = [r for r in recovered_records if r.status != 201]
        unknown = [r for r in in_flight + spanning if r.status != 201] + [r for r in records if r.status is None]
        ledger = check_ledger(url, burst.ok_ids(), baseline=baseline, unknown=len(unknown))
        server_log = srv.log()
        traces = tracebacks(server_log)
    finally:
        if srv is not None:
            srv.stop()
        with contextlib.suppress(Exception):
            pg.stop("immediate")
        shutil.rmtree(tmp, ignore_errors=True)

    checks = [
        ("/health/ready 503 within 5 s of the stop",
         first_503 is not None and first_503 <= READY_DEADLINE_S,
         f"first 503 answered {first_503:.2f} s after `pg_ctl stop` began "
         f"({len(ready_during)} probes answered 503 in all)" if first_503 is not None else "never answered 503"),
        ("API answers 503 SERVICE_UNAVAILABLE envelope during the outage",
         not outage_non_503 and not bad_503 and bool(outage),
         f"{len(outage)} movements + {len(outage_reads)} reads answered while it was down: movements "
         f"{status_counts(outage)}, reads {_counts(outage_reads)}; bad envelopes {len(bad_503)}; "
         f"requests spanning the restart: {status_counts(spanning)}"),
        ("no 500 anywhere", not five_hundreds, f"{len(five_hundreds)} responses >= 500 other than 503"),
        ("no hang (every response < 10 s)", not slow,
         f"max latency {max((r.elapsed for r in all_responses), default=0):.2f} s; {len(slow)} slower than 10 s"),
        ("no connection errors", not conn_errors, f"{len(conn_errors)} ({status_counts(conn_errors)})"),
        ("same granian processes serve again", same_processes,
         f"main PID {main_pid} alive={alive}; workers before {workers_before}, after {workers_after}"),
        ("recovered within the timeout", recovered_at is not None,
         f"{recovered_at - t_started:.2f} s after PostgreSQL accepted connections again"
         if recovered_at is not None else f"not within {args.recovery_timeout:g} s"),
        ("no errors once recovered", not errors_after_recovery,
         f"{len(recovered_records)} movements after recovery: {status_counts(recovered_records)}"),
        ("every 201 movement is in the ledger", not ledger["missing_acknowledged"],
         f"{ledger['acknowledged']} acknowledged, {len(ledger['missing_acknowledged'])} missing; "
         f"{ledger['ledger_new_rows']} new ledger rows ({ledger['unacknowledged_in_ledger']} without a 201 seen, "
         f"<= {len(unknown)} unknown outcomes: {ledger['extra_rows_bounded']})"),
        ("ledger == stock levels (reconcile_stock exit 0, SQL recount)",
         ledger["reconcile_exit"] == 0 and not ledger["sql_drift_rows"],
         f"reconcile_stock exit {ledger['reconcile_exit']}; SQL drift rows {len(ledger['sql_drift_rows'])}"),
    ]  # fmt: skip
    passed = all(ok for _, ok, _ in checks)
    phases = [
        _phase("before the stop", before),
        _phase("in flight at the stop", in_flight),
        _phase("answered during the outage", outage),
        _phase("waiting across the restart", spanning),
        _phase("started after the restart", after),
    ]
    report = "\n".join(
        [
            "# Database fault: PostgreSQL stopped and restarted under write load",
            "",
            f"Machine: {machine_line(facts)}. Server: granian, {args.workers} workers x {args.server_threads} "
            f"threads, --respawn-failed-workers, against a separate embedded PostgreSQL in a temp dir. "
            f"Load: {args.threads} threads POSTing IN/OUT of 1 of ELEC-LAP-001 at WH-MAIN (stdlib keep-alive "
            f"client), probes of /health/ready and GET items every 0.25 s, GET admin profile every 0.5 s. "
            f"Timeline: {args.before:g} s load, "
            f"`pg_ctl stop -m fast` (took {t_stopped - t_stop:.2f} s), {args.outage:g} s down, start (took "
            f"{t_started - t_start:.2f} s), then load until recovery + {args.after:g} s.",
            "",
            f"Result: **{'PASS' if passed else 'FAIL'}**",
            "",
            md_table([{"check": c, "ok": "yes" if ok else "**NO**", "detail": d} for c, ok, d in checks],
                     [("check", "check"), ("ok", "ok"), ("detail", "detail")]),
            "",
            "Movements by phase:",
            "",
            md_table(phases, [("phase", "phase"), ("count", "requests"), ("statuses", "statuses"),
                              ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"), ("max_ms", "max ms")]),
            "",
            f"Server log: {server_log.count('Traceback')} tracebacks.",
            *(["", "First traceback(s) from the server log:", "", "```", *traces, "```"] if traces else []),
            "",
        ]
    )  # fmt: skip
    print(report)
    write_results(
        "db_fault",
        report,
        {
            "benchmark": "db_fault",
            "machine": facts,
            "passed": passed,
            "checks": [{"check": c, "ok": ok, "detail": d} for c, ok, d in checks],
            "phases": phases,
            "timeline": {"stop": t_stop, "stopped": t_stopped, "start": t_start, "started": t_started,
                         "recovered": recovered_at},
            "ledger": ledger,
            "tracebacks": traces,
        },
    )  # fmt: skip
    return 0 if passed else 1


class _as_rec:  # noqa: N801 - adapts a probe sample to the Record fields used above
    def __init__(self, sample: dict):
        self.t, self.elapsed, self.status = sample["t"], sample["elapsed"], sample["status"]
        self.code, self.error, self.movement_id = sample["code"], sample["error"], None


def _counts(samples: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in samples:
        key = str(s["status"]) if s["status"] is not None else f"conn:{s['error']}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def _phase(name: str, records) -> dict:
    counts = status_counts(records)
    return {
        "phase": name,
        "count": len(records),
        "statuses": " ".join(f"{k}:{v}" for k, v in counts.items()) or "-",
        **latency_summary([r.elapsed for r in records]),
    }


if __name__ == "__main__":
    sys.exit(main())
