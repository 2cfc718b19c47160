"""Multi-branch benchmark (docs/api.md §27–§29a): standalone, not run by CI, traffic to 127.0.0.1
only, bounded in time.

    .venv/bin/python bench/transfer_bench.py [--seconds 5] [--rounds 2] [--clients 4] [--keep-db]

1. A fresh database ``natjoub_bench_transfer`` (migrated, ``seed_demo``), plus 20 bench items with
   1,000,000 units each at WH-MAIN (through the API).
2. **Transfer vs single movements**: ``POST /transfers`` with 20 lines of 1 unit (WH-MAIN ->
   ST-DT) against ``POST /movements`` OUT of 1 unit on the same 20 rows, same server, alternating
   rounds, wrk with 1 connection (the cost of one request) and with ``--clients`` connections.
   Ratio = units moved per second by dispatches / units moved per second by OUTs (goal >= 5).
3. **Alerts and balances overhead**: ``POST /movements`` (IN/OUT of 1 alternating on the 13 seeded
   rows, primed with 1,000,000 units) on the app as served vs the app without the alert statement
   (bench/plain_ledger_wsgi.py; the balances cost no statement, see there), two servers on the
   same database, alternating rounds. Overhead = 1 - with / without (goal <= 10 %).
4. ``reconcile_stock`` must report no drift afterwards (quantities, reservations, balances).

Writes bench/results/transfer.md and transfer.json. On a 2-core machine wrk, granian and
PostgreSQL share the cores: read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, run_wrk
from bench.harness import (
    MOVEMENTS,
    Http,
    Server,
    bench_database,
    fixtures,
    login,
    machine,
    machine_line,
    manage,
    md_table,
    movement_body,
    prime_stock,
    seeded_pairs,
    write_lua,
    write_results,
)

DB_NAME = "natjoub_bench_transfer"
TRANSFERS = "/api/v1/inventory/transfers"
LINES = 20
PLAIN_APP = "bench.plain_ledger_wsgi:application"


def bench_items(base: str, token: str, branch: str) -> list[str]:
    """20 items with 1,000,000 units each at ``branch`` (their opening IN through the API)."""
    client = Http(base, token)
    ids = []
    for i in range(LINES):
        body = {"sku": f"XFER-{i:02}", "name": f"Transfer bench {i}", "unitOfMeasure": "piece", "unitPrice": "1.00"}
        resp = client.post("/api/v1/inventory/items", body)
        if resp.status != 201:
            raise SystemExit(f"creating bench items failed: {resp.status} {resp.body}")
        ids.append(resp.body["data"]["id"])
        resp = client.post(MOVEMENTS, movement_body("IN", ids[-1], branch, 1_000_000, "bench opening"))
        if resp.status != 201:
            raise SystemExit(f"opening stock failed: {resp.status} {resp.body}")
    client.close()
    return ids


def drive(base: str, token: str, requests: list[dict], *, seconds: float, connections: int) -> dict:
    script = write_lua([{"name": "load", "weight": 1, "token": token, "requests": requests}])
    result = run_wrk(base + requests[0]["path"], seconds=seconds, connections=connections, script=script)
    result.pop("raw")
    return result


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def transfer_vs_outs(base: str, token: str, items: list[str], src: str, dst: str, args) -> list[dict]:
    dispatch = {
        "method": "POST",
        "path": TRANSFERS,
        "body": {
            "fromBranchId": src,
            "toBranchId": dst,
            "lines": [{"inventoryItemId": item, "quantity": 1} for item in items],
            "notes": "bench",
        },
    }
    outs = [{"method": "POST", "path": MOVEMENTS, "body": movement_body("OUT", item, src, 1)} for item in items]
    # preflight: both requests succeed
    client = Http(base, token)
    for request in (dispatch, outs[0]):
        resp = client.post(request["path"], request["body"])
        if resp.status != 201:
            raise SystemExit(f"preflight {request['path']} failed: {resp.status} {resp.body}")
    client.close()
    rows = []
    for connections in sorted({1, args.clients}):
        runs = {"dispatch": [], "outs": []}
        for _ in range(args.rounds):
            runs["outs"].append(drive(base, token, outs, seconds=args.seconds, connections=connections))
            runs["dispatch"].append(drive(base, token, [dispatch], seconds=args.seconds, connections=connections))
        out_units = median_of(runs["outs"], "rps")
        dispatch_units = median_of(runs["dispatch"], "rps") * LINES
        rows.append(
            {
                "connections": connections,
                "outs_rps": out_units,
                "outs_p50": median_of(runs["outs"], "p50_ms"),
                "dispatch_rps": median_of(runs["dispatch"], "rps"),
                "dispatch_p50": median_of(runs["dispatch"], "p50_ms"),
                "units_outs": out_units,
                "units_dispatch": dispatch_units,
                "ratio": dispatch_units / out_units,
                "errors": sum(r["non_2xx"] + r["socket_errors"] for rs in runs.values() for r in rs),
            }
        )
    return rows


def alert_overhead(url: str, args) -> list[dict]:
    """Two servers on the same database: the app as served and the plain baseline, alternating
    rounds, at 1 connection and at ``--clients``."""
    plain = Server(url)
    plain.APP = PLAIN_APP
    rows = []
    with Server(url) as served, plain:
        token = login(served.base)
        pairs = seeded_pairs(fixtures(served.base, token))
        prime_stock(served.base, token, pairs, 1_000_000)
        writes = [
            {"method": "POST", "path": MOVEMENTS, "body": movement_body(kind, item, branch, 1)}
            for item, branch in pairs
            for kind in ("IN", "OUT")
        ]
        for server in (served, plain):  # warm-up
            drive(server.base, token, writes, seconds=1, connections=args.clients)
        for connections in sorted({1, args.clients}):
            runs = {"with": [], "without": []}
            for _ in range(args.rounds):
                runs["without"].append(drive(plain.base, token, writes, seconds=args.seconds, connections=connections))
                runs["with"].append(drive(served.base, token, writes, seconds=args.seconds, connections=connections))
            with_rps, without_rps = median_of(runs["with"], "rps"), median_of(runs["without"], "rps")
            rows.append(
                {
                    "connections": connections,
                    "with_rps": with_rps,
                    "without_rps": without_rps,
                    "with_p50": median_of(runs["with"], "p50_ms"),
                    "without_p50": median_of(runs["without"], "p50_ms"),
                    "overhead": 1 - with_rps / without_rps,
                    "overhead_pct": (1 - with_rps / without_rps) * 100,
                    "errors": sum(r["non_2xx"] + r["socket_errors"] for rs in runs.values() for r in rs),
                }
            )
    return rows


STATEMENT_RUNS = 500


def statement_cost(url: str) -> dict:
    """The database's own cost of the stock write with and without the alert statement: the same
    UPDATE of one seeded row, ``STATEMENT_RUNS`` times each, alternating, in a rolled-back
    transaction (planning included, as the app sends it)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "natjoub.settings")
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from inventory_app import sql as inventory_sql

    statements = {"with": inventory_sql.write_rows(), "without": inventory_sql.write_rows(alerts=False)}
    times = {name: [] for name in statements}
    with psycopg.connect(url) as conn:
        row_id, quantity = conn.execute(
            "SELECT id, quantity FROM inventory_schema.stock_levels ORDER BY id LIMIT 1"
        ).fetchone()
        params = {"ids": [row_id], "quantities": [quantity], "reserved": [0], "counted": [False], "now": "now()"}
        cursor = psycopg.ClientCursor(conn)  # literal parameters, as Django sends them
        for _ in range(STATEMENT_RUNS):
            for name, sql in statements.items():
                start = time.perf_counter()
                cursor.execute(sql, {**params, "now": datetime.now(UTC)})
                cursor.fetchall()
                times[name].append((time.perf_counter() - start) * 1000)
        conn.rollback()
    with_ms, without_ms = statistics.median(times["with"]), statistics.median(times["without"])
    return {"with_ms": with_ms, "without_ms": without_ms, "extra_ms": with_ms - without_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    args.seconds, args.rounds, args.clients = min(args.seconds, 30), max(1, min(args.rounds, 5)), min(args.clients, 32)

    with bench_database(DB_NAME, keep=args.keep_db) as url:
        facts = machine(url)
        with Server(url) as server:
            token = login(server.base)
            fx = fixtures(server.base, token)
            src, dst = fx.branches["WH-MAIN"], fx.branches["ST-DT"]
            items = bench_items(server.base, token, src)
            transfer_rows = transfer_vs_outs(server.base, token, items, src, dst, args)
        overhead = alert_overhead(url, args)
        statement = statement_cost(url)
        reconcile = manage(url, "reconcile_stock", timeout=300)

    columns = [
        ("connections", "connections"), ("outs_rps", "OUT req/s (1 unit each)"), ("outs_p50", "OUT p50 ms"),
        ("dispatch_rps", "dispatch req/s (20 lines)"), ("dispatch_p50", "dispatch p50 ms"),
        ("units_dispatch", "units/s by dispatch"), ("ratio", "ratio per unit moved"), ("errors", "errors"),
    ]  # fmt: skip
    overhead_columns = [
        ("connections", "connections"), ("with_rps", "with req/s"), ("with_p50", "with p50 ms"),
        ("without_rps", "without req/s"), ("without_p50", "without p50 ms"),
        ("overhead_pct", "overhead % (1 - with/without)"), ("errors", "errors"),
    ]  # fmt: skip
    lines = [
        "# Transfers, alerts and balances benchmark",
        "",
        machine_line(facts),
        f"Server: granian, 2 workers x 4 blocking threads, rate limiting off. wrk, {args.seconds:g} s per run, "
        f"{args.rounds} alternating round(s), medians shown.",
        "",
        "## A 20-line transfer dispatch vs 20 single OUT movements (goal >= 5x per unit moved)",
        "",
        md_table(transfer_rows, columns),
        "",
        "## POST /movements with alerts and balances vs without (goal <= 10 % overhead)",
        "",
        "IN/OUT of 1 on the 13 seeded rows; with = the app as served, without = the same app without the "
        "alert statement (bench/plain_ledger_wsgi.py).",
        "",
        md_table(overhead, overhead_columns),
        "",
        f"The statement alone (the database's cost, planning included, median of {STATEMENT_RUNS} alternating "
        f"runs): with alerts **{statement['with_ms']:.3f} ms**, without **{statement['without_ms']:.3f} ms**, "
        f"**+{statement['extra_ms']:.3f} ms** per movement.",
        "",
        f"reconcile_stock afterwards: exit {reconcile.returncode}, `{reconcile.stdout.strip()[:200]}`",
    ]
    report = "\n".join(lines)
    write_results(
        "transfer",
        report,
        {
            "benchmark": "transfer",
            "machine": facts,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "clients": args.clients,
            "scenarios": [
                *({"scenario": f"dispatch 20 lines vs 20 OUTs, {r['connections']} conn", **r} for r in transfer_rows),
                *(
                    {"scenario": f"POST /movements with vs without alerts, {r['connections']} conn", **r}
                    for r in overhead
                ),
                {"scenario": "the stock write statement with vs without alerts", **statement},
            ],
            "ratios": {
                **{f"units per second, dispatch / OUT, {r['connections']} conn": r["ratio"] for r in transfer_rows},
                **{
                    f"movement POST, with / without alerts, {r['connections']} conn": 1 - r["overhead"]
                    for r in overhead
                },
            },
            "reconcile_exit": reconcile.returncode,
        },
    )
    print(report)


if __name__ == "__main__":
    main()
