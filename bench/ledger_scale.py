"""Ledger at scale: movement reads and writes with 10,000,000 movements vs 10,000.

    .venv/bin/python bench/ledger_scale.py [--movements 10000000] [--seconds 10] [--reuse-db]

Not run by CI; traffic to 127.0.0.1 only, bounded in time.

1. Two databases on the embedded PostgreSQL (or DATABASE_URL's server), migrated and seeded:
   ``natjoub_bench_ledger_small`` with 10,000 generated movements and ``natjoub_bench_ledger_big``
   with ``--movements`` (default 10,000,000). The ledger is loaded with ``COPY`` (never the API),
   500,000 rows per statement, with the list counters' triggers on (migration 0007):
   1,000 items x 10 branches = 10,000 stock rows; each row gets an opening IN of 1,000 and then
   alternating OUT/IN of 1, spread over the last 365 days in one global time order. It is
   ledger-consistent: each stock row equals the signed sum of its movements (and its balance
   columns, when the schema has them, follow the ledger order). After the load: VACUUM ANALYZE,
   a CHECKPOINT, and the counters the reads use are compared with COUNT(*).
2. One server per database, both up: ``GET /movements`` first page, filtered by item and by
   branch (wrk, 4 connections), and ``POST /movements`` (IN/OUT of 1 on 2,000 stock rows, wrk, 16
   connections), each in rounds that alternate between the two sizes (the machine is shared).
3. ``reconcile_stock`` on the big database, timed (goal < 60 s), must report no drift.
4. ``EXPLAIN (ANALYZE, BUFFERS)`` of what the three lists run at the big size (page and total,
   and the COUNT(*) a counter replaces), in the results.

Goals: each read p99 < 50 ms at 10,000,000 and within 2x of the same read at 10,000; POST at
10,000,000 >= 0.9 x POST at 10,000. Writes bench/results/ledger_scale.md and .json.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
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
CHUNK = 500_000  # movements per COPY statement
ROUNDS = 5
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

        def movement_row(i: int) -> list:
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
            return row

        # One COPY per chunk: the list counters' statement triggers (migration 0007) see each
        # chunk's rows as one transition table, which a single COPY of 10,000,000 rows would
        # make as large as the ledger.
        for chunk in range(0, movements, CHUNK):
            with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
                for i in range(chunk, min(chunk + CHUNK, movements)):
                    copy.write_row(movement_row(i))
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
        # The load leaves gigabytes of dirty pages; written now, not by a checkpoint that would
        # otherwise run through the measurements of the big database.
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            conn.execute("CHECKPOINT")
    return {"movements": movements, "copy_s": round(loaded, 1), "total_s": round(time.monotonic() - started, 1)}


def counters_exact(url: str, target: dict) -> dict:
    """The list counters the benchmark reads, against COUNT(*) of the same rows."""
    checks = {
        "inventory.movements": "TRUE",
        f"inventory.movements.item:{target['item']}": f"inventory_item_id = '{target['item']}'",
        f"inventory.movements.branch:{target['branch']}": (
            f"from_branch_id = '{target['branch']}' OR to_branch_id = '{target['branch']}'"
        ),
    }
    found = {}
    with psycopg.connect(url) as conn:
        for counter, where in checks.items():
            kept = conn.execute("SELECT COALESCE(SUM(n), 0) FROM natjoub_list_counts WHERE counter = %s", [counter])
            rows = conn.execute(f"SELECT count(*) FROM {MOVEMENTS_TABLE} WHERE {where}")
            found[counter.split(":")[0]] = (int(kept.fetchone()[0]), int(rows.fetchone()[0]))
    return {"exact": all(kept == rows for kept, rows in found.values()), "counters": found}


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
def paths(target: dict) -> dict[str, str]:
    return {
        "first page": "/api/v1/inventory/movements",
        "by item": f"/api/v1/inventory/movements?inventoryItemId={target['item']}",
        "by branch": f"/api/v1/inventory/movements?branchId={target['branch']}",
    }


def combine(rounds: list[dict]) -> dict:
    """One scenario's rounds: requests/s over all of them; p50 and p99 of the median round (one
    burst of a neighbour's load does not decide), and the worst round's p99 beside it."""
    p99s = [r["p99_ms"] for r in rounds]
    result = {
        "requests": sum(r["requests"] for r in rounds),
        "rps": statistics.fmean(r["rps"] for r in rounds),
        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
        "p99_ms": statistics.median(p99s),
        "p99_worst_ms": max(p99s),
        "rounds_p99_ms": p99s,
        "errors": sum(r.get("errors", r["non_2xx"] + r["socket_errors"]) for r in rounds),
    }
    if all("tps" in r for r in rounds):
        result["tps"] = statistics.fmean(r["tps"] for r in rounds)
    return result


def alternate(run, seconds: float) -> dict[str, dict]:
    """``run(size, seconds)`` in short rounds alternating between the sizes, each size first in
    every other round: on a shared machine the neighbours' load falls on both sizes alike, so the
    ratio compares the databases, not two moments of the machine."""
    per_round = max(1, round(seconds / ROUNDS))
    rounds: dict[str, list[dict]] = {"small": [], "big": []}
    for n in range(ROUNDS):
        for size in ("small", "big") if n % 2 == 0 else ("big", "small"):
            rounds[size].append(run(size, per_round))
    return {size: combine(results) for size, results in rounds.items()}


def measure(urls: dict[str, str], targets: dict[str, dict], seconds: float) -> dict:
    """Reads then writes on both databases, each against its own server, in alternating rounds."""
    load_before = os.getloadavg()[0]  # the machine is shared: say how busy it was
    with Server(urls["small"]) as small, Server(urls["big"]) as big:
        servers = {"small": small, "big": big}
        tokens = {size: login(server.base) for size, server in servers.items()}
        for size, server in servers.items():
            drive(server.base, tokens[size], targets[size]["pairs"], 16, 2)  # warm-up
        reads = {}
        for name in paths(targets["small"]):
            for size, server in servers.items():  # warm-up
                wrk_get(server.base, paths(targets[size])[name], token=tokens[size], seconds=1, connections=4)
            reads[name] = alternate(
                lambda size, s, name=name: wrk_get(
                    servers[size].base, paths(targets[size])[name], token=tokens[size], seconds=s, connections=4
                ),
                seconds,
            )
        write = alternate(
            lambda size, s: drive(servers[size].base, tokens[size], targets[size]["pairs"], 16, s), seconds
        )
    return {"reads": reads, "write": write, "load_average_before": load_before}


def explain(url: str, target: dict) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of what each read runs: the page, and the total (the counter
    where one covers the filters, else COUNT(*)); the COUNT(*) a counter replaces is shown too."""
    filters = {"first page": {}, "by item": {"inventory_item_id": target["item"]},
               "by branch": {"branch_id": target["branch"]}}  # fmt: skip
    snippet = f"""
import uuid
from django.db import connection
from inventory_app import selectors
from inventory_app.selectors import MovementFilters
from natjoub.db import counters
from natjoub.db.union_pages import UnionPages
cases = {filters!r}
for name, raw in cases.items():
    filters = MovementFilters(**{{k: uuid.UUID(v) for k, v in raw.items()}})
    rows = selectors.movement_list(filters=filters).rows
    page = rows.page(0, 100) if isinstance(rows, UnionPages) else rows[:100]
    counted = rows.counted if isinstance(rows, UnionPages) else rows
    count_sql, count_params = counted.order_by().values("pk").query.sql_with_params()
    count = ("SELECT count(*) FROM (" + count_sql + ") c", count_params)
    counter = filters.counter()
    statements = [("page",) + page.query.sql_with_params()]
    if counter is None:
        statements.append(("total: COUNT(*)",) + count)
    else:
        total_sql = "SELECT COALESCE(SUM(n), 0) FROM " + counters.TABLE + " WHERE counter = %s"
        statements += [("total: counter", total_sql, [counter]), ("the COUNT(*) the counter replaces",) + count]
    with connection.cursor() as cursor:
        for label, sql, args in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, args)
            print("== " + name + " (" + label + ")")
            print("\\n".join(row[0] for row in cursor.fetchall()))
"""
    done = manage(url, "shell", "-c", snippet, timeout=900)
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
    exact = {"small": counters_exact(small_url, small_target), "big": counters_exact(big_url, big_target)}

    measured = measure({"small": small_url, "big": big_url}, {"small": small_target, "big": big_target}, seconds)
    reconcile = timed_reconcile(big_url)
    plans = explain(big_url, big_target)

    rows, ratios = [], {}
    for name in ("first page", "by item", "by branch"):
        s, b = measured["reads"][name]["small"], measured["reads"][name]["big"]
        ratios[f"GET {name}: p99 big / p99 small"] = b["p99_ms"] / s["p99_ms"]
        rows.append({"scenario": f"GET movements {name}, {SMALL:,}", **s})
        rows.append({"scenario": f"GET movements {name}, {args.movements:,}", **b,
                     "ratio": b["p99_ms"] / s["p99_ms"]})  # fmt: skip
    small, big = measured["write"]["small"], measured["write"]["big"]
    write_ratio = big["tps"] / small["tps"]
    ratios["POST movement: big / small"] = write_ratio
    rows.append({"scenario": f"POST movement, {SMALL:,}", **small, "rps": small["tps"]})
    rows.append({"scenario": f"POST movement, {args.movements:,}", **big, "rps": big["tps"],
                 "ratio": write_ratio})  # fmt: skip
    for row in rows:
        row.pop("raw", None)
    columns = [("scenario", "scenario"), ("rps", "req/s"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"),
               ("p99_worst_ms", "worst round p99 ms"), ("errors", "errors"), ("ratio", "ratio big/small")]  # fmt: skip
    read_goal = all(measured["reads"][n]["big"]["p99_ms"] < 50 and ratios[f"GET {n}: p99 big / p99 small"] <= 2
                    for n in ("first page", "by item", "by branch"))  # fmt: skip
    lines = [
        "# Ledger at scale",
        "",
        machine_line(facts),
        f"Loaded with COPY: small {small_load}, big {big_load}.",
        f"Reads: wrk, 4 connections, {seconds:g} s per scenario and size. Writes: wrk, 16 connections, IN/OUT "
        f"of 1 on {WRITE_ROWS:,} stock rows. One server per database (granian 2 workers x 4 threads, rate "
        f"limiting off), both up; each scenario runs in {ROUNDS} rounds alternating between the sizes. "
        "p50/p99: the median round's; requests/s: the mean of the rounds.",
        "",
        md_table(rows, columns),
        "",
        f"Read goal (p99 < 50 ms at {args.movements:,} and <= 2x the same at {SMALL:,}): "
        f"**{'met' if read_goal else 'missed'}**.",
        f"Write goal (POST at {args.movements:,} >= 0.9 x at {SMALL:,}): **{write_ratio:.2f}** "
        f"({'met' if write_ratio >= 0.9 else 'missed'}).",
        f"reconcile_stock on {args.movements:,} movements: **{reconcile['seconds']:.1f} s** (goal < 60 s), "
        f"exit {reconcile['exit']}: `{reconcile['output']}`",
        f"List counters equal COUNT(*) after the load (all, item, branch; (counter, rows)): "
        f"small {exact['small']['exact']}, big {exact['big']['exact']} {exact['big']['counters']}.",
        f"Load average (1 min) before the measurements: {measured['load_average_before']:.2f}.",
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
        "load": {"small": small_load, "big": big_load}, "reconcile": reconcile, "counters": exact,
        "load_average_before": measured["load_average_before"],
    })  # fmt: skip
    print(report)


if __name__ == "__main__":
    main()
