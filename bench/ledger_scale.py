"""Ledger at scale: movement reads and writes with 10,000,000 movements vs 10,000.

    .venv/bin/python bench/ledger_scale.py [--movements 10000000] [--seconds 10] [--reuse-db]

Not run by CI; traffic to 127.0.0.1 only, bounded in time.

1. Two databases on the embedded PostgreSQL (or DATABASE_URL's server), migrated and seeded:
   ``natjoub_bench_ledger_small`` with 10,000 generated movements and ``natjoub_bench_ledger_big``
   with ``--movements`` (default 10,000,000). The ledger is loaded with ``COPY`` (never the API):
   1,000 items x 10 branches = 10,000 stock rows; each row gets an opening IN of 1,000 and then
   alternating OUT/IN of 1, spread over the last 365 days in one global time order. It is
   ledger-consistent: each stock row equals the signed sum of its movements (and its balance
   columns, when the schema has them, follow the ledger order).
2. On each database, against the same server build: ``GET /movements`` first page, filtered by
   item and by branch (wrk, 4 connections), and ``POST /movements`` (IN/OUT of 1 on 2,000 stock
   rows, wrk, 16 connections).
3. ``reconcile_stock`` on the big database, timed (goal < 60 s), must report no drift.
4. ``EXPLAIN (ANALYZE, BUFFERS)`` of the three list queries at the big size, in the results.

Goals: each read p99 < 50 ms at 10,000,000 and within 2x of the same read at 10,000; POST at
10,000,000 >= 0.9 x POST at 10,000. Writes bench/results/ledger_scale.md and .json.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    Server,
    login,
    machine,
    machine_line,
    manage,
    md_table,
    prepare_database,
    recreate_database,
    server_uri,
    with_dbname,
    write_results,
    wrk_get,
)
from bench.inventory_bench import drive

ITEMS, BRANCHES = 1_000, 10
OPENING = 1_000
SMALL = 10_000
WRITE_ROWS = 2_000
MOVEMENTS_TABLE = "inventory_schema.stock_movements"


# -- the loader -------------------------------------------------------------------------------
def _movement_columns(conn) -> set[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'inventory_schema' AND table_name = 'stock_movements'"
    ).fetchall()
    return {name for (name,) in rows}


def load(url: str, movements: int) -> dict:
    """Generate ``movements`` ledger-consistent movements with COPY; returns timings."""
    started = time.monotonic()
    with psycopg.connect(url) as conn:
        conn.execute(
            """
            INSERT INTO inventory_schema.branches (id, name, code, city, country, is_active, created_at, updated_at)
            SELECT gen_random_uuid(), 'Ledger branch ' || g, 'LEDGER-' || lpad(g::text, 2, '0'), 'Bench City',
                   'Cambodia', true, now(), now()
            FROM generate_series(1, %(n)s) g
            """,
            {"n": BRANCHES},
        )
        conn.execute(
            """
            INSERT INTO inventory_schema.inventory_items
                (id, sku, name, unit_of_measure, unit_price, reorder_level, reorder_quantity, is_active,
                 created_at, updated_at)
            SELECT gen_random_uuid(), 'LEDGER-' || lpad(g::text, 5, '0'), 'Ledger item ' || g, 'piece', 9.99,
                   10, 50, true, now(), now()
            FROM generate_series(1, %(n)s) g
            """,
            {"n": ITEMS},
        )
        items = [r[0] for r in conn.execute("SELECT id FROM inventory_schema.inventory_items "
                                            "WHERE sku LIKE 'LEDGER-%%' ORDER BY sku")]  # fmt: skip
        branches = [r[0] for r in conn.execute("SELECT id FROM inventory_schema.branches "
                                               "WHERE code LIKE 'LEDGER-%%' ORDER BY code")]  # fmt: skip
        pairs = [(item, branch) for item in items for branch in branches]
        columns = _movement_columns(conn)
        balances = {"from_balance_after", "to_balance_after"} <= columns
        names = ["id", "inventory_item_id", "from_branch_id", "to_branch_id", "movement_type", "quantity",
                 "reference_number", "notes", "created_at"]  # fmt: skip
        if balances:
            names += ["from_balance_after", "to_balance_after"]
        quantity = [0] * len(pairs)
        start = datetime.now(UTC) - timedelta(days=365)
        step = timedelta(days=365) / max(movements, 1)
        copy_sql = f"COPY {MOVEMENTS_TABLE} ({', '.join(names)}) FROM STDIN"
        rows_n = len(pairs)
        with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for i in range(movements):
                slot = i % rows_n
                k = i // rows_n
                item, branch = pairs[slot]
                when = start + step * i
                if k == 0:
                    kind, qty = "IN", OPENING
                else:
                    kind, qty = ("OUT", 1) if k % 2 == 1 else ("IN", 1)
                if kind == "OUT":
                    quantity[slot] -= qty
                    row = [uuid.uuid4(), item, branch, None, kind, qty, "LEDGER", None, when]
                    if balances:
                        row += [quantity[slot], None]
                else:
                    quantity[slot] += qty
                    row = [uuid.uuid4(), item, None, branch, kind, qty, "LEDGER", None, when]
                    if balances:
                        row += [None, quantity[slot]]
                copy.write_row(row)
        loaded = time.monotonic() - started
        with (
            conn.cursor() as cursor,
            cursor.copy(
                "COPY inventory_schema.stock_levels (id, inventory_item_id, branch_id, quantity, reserved_quantity, "
                "updated_at) FROM STDIN"
            ) as copy,
        ):
            now = datetime.now(UTC)
            for (item, branch), q in zip(pairs, quantity, strict=True):
                if q or movements:
                    copy.write_row([uuid.uuid4(), item, branch, q, 0, now])
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) inventory_schema.stock_movements")
        conn.execute("VACUUM (ANALYZE) inventory_schema.stock_levels")
    return {"movements": movements, "copy_s": loaded, "total_s": time.monotonic() - started}


def ids(url: str) -> dict:
    with psycopg.connect(url) as conn:
        item = conn.execute("SELECT id FROM inventory_schema.inventory_items WHERE sku = 'LEDGER-00001'").fetchone()[0]
        branch = conn.execute("SELECT id FROM inventory_schema.branches WHERE code = 'LEDGER-01'").fetchone()[0]
        rows = conn.execute(
            "SELECT s.inventory_item_id, s.branch_id FROM inventory_schema.stock_levels s "
            "JOIN inventory_schema.branches b ON b.id = s.branch_id WHERE b.code LIKE 'LEDGER-%%' "
            "ORDER BY s.id LIMIT %s",
            [WRITE_ROWS],
        ).fetchall()
    return {"item": str(item), "branch": str(branch), "pairs": [(str(i), str(b)) for i, b in rows]}


def populated(url: str, movements: int) -> bool:
    try:
        with psycopg.connect(url) as conn:
            count = conn.execute(f"SELECT count(*) FROM {MOVEMENTS_TABLE} WHERE reference_number = 'LEDGER'").fetchone()
    except psycopg.Error:
        return False
    return count[0] >= movements


def database(uri: str, name: str, movements: int, reuse: bool) -> tuple[str, dict]:
    url = with_dbname(uri, name)
    if reuse and populated(url, movements):
        manage(url, "migrate", "--noinput", "-v", "0")
        return url, {"movements": movements, "reused": True}
    recreate_database(uri, name)
    prepare_database(url)
    return url, load(url, movements)


# -- measurements -----------------------------------------------------------------------------
def reads(base: str, token: str, target: dict, seconds: float) -> dict[str, dict]:
    paths = {
        "first page": "/api/v1/inventory/movements",
        "by item": f"/api/v1/inventory/movements?inventoryItemId={target['item']}",
        "by branch": f"/api/v1/inventory/movements?branchId={target['branch']}",
    }
    results = {}
    for name, path in paths.items():
        wrk_get(base, path, token=token, seconds=1, connections=4)  # warm-up
        results[name] = wrk_get(base, path, token=token, seconds=seconds, connections=4)
    return results


def measure(url: str, target: dict, seconds: float) -> dict:
    with Server(url) as server:
        token = login(server.base)
        drive(server.base, token, target["pairs"], 16, 2)  # warm-up
        read = reads(server.base, token, target, seconds)
        write = drive(server.base, token, target["pairs"], 16, seconds)
    return {"reads": read, "write": write}


def explain(url: str, target: dict) -> str:
    filters = {"first page": {}, "by item": {"inventory_item_id": target["item"]},
               "by branch": {"branch_id": target["branch"]}}  # fmt: skip
    snippet = f"""
import uuid
from django.db import connection
from inventory_app import selectors
from inventory_app.selectors import MovementFilters
cases = {filters!r}
for name, raw in cases.items():
    filters = MovementFilters(**{{k: uuid.UUID(v) for k, v in raw.items()}})
    queryset = selectors.movement_list(filters=filters)
    page_sql, params = queryset[:100].query.sql_with_params()
    count_sql, count_params = queryset.order_by().values("pk").query.sql_with_params()
    count_sql = "SELECT count(*) FROM (" + count_sql + ") c"
    with connection.cursor() as cursor:
        for label, sql, args in (("page", page_sql, params), ("count", count_sql, count_params)):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, args)
            print("== " + name + " (" + label + ")")
            print("\\n".join(row[0] for row in cursor.fetchall()))
"""
    done = manage(url, "shell", "-c", snippet, timeout=600)
    return (done.stdout + done.stderr).strip()


def timed_reconcile(url: str) -> dict:
    started = time.monotonic()
    done = manage(url, "reconcile_stock", timeout=900)
    return {"seconds": time.monotonic() - started, "exit": done.returncode, "output": done.stdout.strip()[-300:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--movements", type=int, default=10_000_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--reuse-db", action="store_true", help="keep the loaded databases of an earlier run")
    args = parser.parse_args()
    seconds = min(args.seconds, 60)
    uri = server_uri()

    small_url, small_load = database(uri, "natjoub_bench_ledger_small", SMALL, args.reuse_db)
    big_url, big_load = database(uri, "natjoub_bench_ledger_big", args.movements, args.reuse_db)
    small_target, big_target = ids(small_url), ids(big_url)
    facts = machine(big_url)

    small = measure(small_url, small_target, seconds)
    big = measure(big_url, big_target, seconds)
    reconcile = timed_reconcile(big_url)
    plans = explain(big_url, big_target)

    rows, ratios = [], {}
    for name in ("first page", "by item", "by branch"):
        s, b = small["reads"][name], big["reads"][name]
        ratios[f"GET {name}: p99 big / p99 small"] = b["p99_ms"] / s["p99_ms"]
        rows.append({"scenario": f"GET movements {name}, {SMALL:,}", **s})
        rows.append({"scenario": f"GET movements {name}, {args.movements:,}", **b,
                     "ratio": b["p99_ms"] / s["p99_ms"]})  # fmt: skip
    write_ratio = big["write"]["tps"] / small["write"]["tps"]
    ratios["POST movement: big / small"] = write_ratio
    rows.append({"scenario": f"POST movement, {SMALL:,}", **small["write"], "rps": small["write"]["tps"]})
    rows.append({"scenario": f"POST movement, {args.movements:,}", **big["write"], "rps": big["write"]["tps"],
                 "ratio": write_ratio})  # fmt: skip
    for row in rows:
        row.pop("raw", None)
    columns = [("scenario", "scenario"), ("rps", "req/s"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"),
               ("errors", "errors"), ("ratio", "ratio big/small")]  # fmt: skip
    read_goal = all(big["reads"][n]["p99_ms"] < 50 and ratios[f"GET {n}: p99 big / p99 small"] <= 2
                    for n in ("first page", "by item", "by branch"))  # fmt: skip
    lines = [
        "# Ledger at scale",
        "",
        machine_line(facts),
        f"Loaded with COPY: small {small_load}, big {big_load}.",
        f"Reads: wrk, 4 connections, {seconds:g} s each. Writes: wrk, 16 connections, IN/OUT of 1 on "
        f"{WRITE_ROWS:,} stock rows. Server: granian 2 workers x 4 threads, rate limiting off.",
        "",
        md_table(rows, columns),
        "",
        f"Read goal (p99 < 50 ms at {args.movements:,} and <= 2x the same at {SMALL:,}): "
        f"**{'met' if read_goal else 'missed'}**.",
        f"Write goal (POST at {args.movements:,} >= 0.9 x at {SMALL:,}): **{write_ratio:.2f}** "
        f"({'met' if write_ratio >= 0.9 else 'missed'}).",
        f"reconcile_stock on {args.movements:,} movements: **{reconcile['seconds']:.1f} s** (goal < 60 s), "
        f"exit {reconcile['exit']}: `{reconcile['output']}`",
        "",
        "Plans at the big size:",
        "",
        "```",
        plans,
        "```",
    ]
    report = "\n".join(lines)
    write_results("ledger_scale", report, {
        "benchmark": "ledger_scale", "machine": facts, "seconds": seconds, "scenarios": rows, "ratios": ratios,
        "load": {"small": small_load, "big": big_load}, "reconcile": reconcile,
    })  # fmt: skip
    print(report)


if __name__ == "__main__":
    main()
