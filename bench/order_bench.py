"""Order benchmark (docs/api.md §37): standalone, traffic to 127.0.0.1 only, bounded in time.

    .venv/bin/python bench/order_bench.py [--seconds 5] [--rounds 2] [--clients 4] [--orders 1000000]
                                          [--fulfil-orders 400] [--keep-db] [--smoke]

1. A fresh database ``natjoub_bench_order`` (migrated, ``seed_demo``), 16 verified bench customers,
   3 bench items with 10,000,000 units each at ST-DT (through the API), an SMTP sink on
   127.0.0.1 (the order e-mails go out as in production). granian with the production settings;
   ``ORDER_MAX_OPEN_PER_CUSTOMER`` raised so that the open-order limit never refuses a bench order.
   The workers only store the mail in the outbox (docs/architecture.md §3.12); what ``serve``'s
   delivery thread does runs in a process of its own next to granian (``manage.py deliver_mail
   --follow``) for the whole run, on the same cores, so its cost is in the figures; the report
   says how long the mail backlog took to drain after the placements.
2. **Placement vs single reservations**: ``POST /orders`` with 3 lines of 1 unit (the 16 customers
   in turn: one customer's placements are serialized, §37.3) against ``POST /inventory/reservations``
   of 1 unit on the same 3 rows (admin), same server, alternating rounds, wrk with 1 connection
   and with ``--clients``. Ratio = units reserved per second by orders / by reservations (goal
   >= 1.5: one transaction instead of three).
3. **Fulfil latency**: ``--fulfil-orders`` orders of 3 lines placed and confirmed, their mail
   sent, then fulfilled with their pickup codes by 8 client threads (each order once); p99 of the
   fulfil requests (goal < 50 ms).
4. ``reconcile_stock`` must report no drift (before the generated orders of step 5).
5. **The customer's order list at scale**: customer1@example.com owns 200 orders; other customers'
   orders are generated with set-based SQL (``INSERT … SELECT generate_series``, one line each,
   CANCELLED) up to 10,000 orders, then up to ``--orders`` (1,000,000); ``ANALYZE`` after each
   load; ``GET /api/v1/orders`` (the first page, as that customer) with wrk at 4 connections at
   each size. Goal: p99 < 50 ms at 1,000,000 and <= 1.5x the p99 at 10,000.

``--smoke`` shrinks everything (1 s runs, 1 round, 20,000 orders, 40 fulfils) to prove the script
runs; its results go to bench/results/order_smoke.* and are not figures. Otherwise writes
bench/results/order.md and order.json. On a 2-core machine wrk, granian, PostgreSQL and the SMTP
sink share the cores: read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import free_port, run_wrk
from bench.harness import (
    MOVEMENTS,
    PY,
    ROOT,
    Http,
    Server,
    app_env,
    bench_database,
    fixtures,
    latency_summary,
    login,
    machine,
    machine_line,
    manage,
    md_table,
    movement_body,
    write_lua,
    write_results,
)

DB_NAME = "natjoub_bench_order"
ORDERS = "/api/v1/orders"
RESERVATIONS = "/api/v1/inventory/reservations"
BRANCH = "ST-DT"
CUSTOMERS = 16
CUSTOMER_PASSWORD = "Bench!Pass1"
FULFIL_CLIENTS = 8
LIST_CONNECTIONS = 4
LIST_CUSTOMER = ("cccccccc-cccc-cccc-cccc-cccccccccccc", "Alice Customer", "customer1@example.com")
LIST_CUSTOMER_ORDERS = 200
SMALL_ORDERS = 10_000

# Verified bench customers, made like the demo accounts (auth_app/seed.py): the bench needs many
# customers, and registration would need each one's e-mail code.
MAKE_CUSTOMERS = """
from django.contrib.auth.hashers import make_password
from auth_app.models import Credential, Role, RoleName, User
import datetime as dt
role = Role.objects.get(name=RoleName.CUSTOMER)
password = make_password({password!r})
for i in range({count}):
    user = User.objects.create(first_name="Bench", last_name=f"Customer {{i}}", dob=dt.date(2000, 1, 1),
                               gender="other", role=role, is_active=True)
    Credential.objects.create(user=user, email=f"bench{{i}}@example.com", username=f"benchcust{{i}}",
                              phone_number=f"09{{i:08}}", password=password, is_verified=True)
"""


def bench_customers(url: str, base: str) -> list[str]:
    done = manage(url, "shell", "-c", MAKE_CUSTOMERS.format(password=CUSTOMER_PASSWORD, count=CUSTOMERS))
    if done.returncode != 0:
        raise SystemExit(f"creating bench customers failed:\n{done.stdout}\n{done.stderr}")
    return [login(base, f"bench{i}@example.com", CUSTOMER_PASSWORD) for i in range(CUSTOMERS)]


def bench_items(base: str, token: str, branch: str) -> list[str]:
    client = Http(base, token)
    ids = []
    for i in range(3):
        body = {"sku": f"ORD-{i}", "name": f"Order bench {i}", "unitOfMeasure": "piece", "unitPrice": "2.50"}
        resp = client.post("/api/v1/inventory/items", body)
        if resp.status != 201:
            raise SystemExit(f"creating bench items failed: {resp.status} {resp.body}")
        ids.append(resp.body["data"]["id"])
        resp = client.post(MOVEMENTS, movement_body("IN", ids[-1], branch, 10_000_000, "bench opening"))
        if resp.status != 201:
            raise SystemExit(f"opening stock failed: {resp.status} {resp.body}")
    client.close()
    return ids


def order_body(branch: str, items: list[str]) -> dict:
    return {"branchId": branch, "lines": [{"inventoryItemId": item, "quantity": 1} for item in items]}


def drive(base: str, groups: list[dict], *, seconds: float, connections: int) -> dict:
    script = write_lua(groups)
    result = run_wrk(base + groups[0]["requests"][0]["path"], seconds=seconds, connections=connections, script=script)
    result.pop("raw")
    return result


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def placement_vs_reservations(base, admin, customers, branch, items, args) -> list[dict]:
    order = [{"name": f"c{i}", "weight": 1, "token": token, "requests": [
        {"method": "POST", "path": ORDERS, "body": order_body(branch, items)}]}
        for i, token in enumerate(customers)]  # fmt: skip
    reservations = [{"name": "reserve", "weight": 1, "token": admin, "requests": [
        {"method": "POST", "path": RESERVATIONS, "body": {"inventoryItemId": item, "branchId": branch, "quantity": 1,
                                                          "ttlSeconds": 604800}}
        for item in items]}]  # fmt: skip
    for groups in (order, reservations):  # preflight: both succeed
        request = groups[0]["requests"][0]
        resp = Http(base, groups[0]["token"]).post(request["path"], request["body"])
        if resp.status != 201:
            raise SystemExit(f"preflight {request['path']} failed: {resp.status} {resp.body}")
    rows = []
    for connections in sorted({1, args.clients}):
        runs = {"orders": [], "reservations": []}
        for _ in range(args.rounds):
            runs["reservations"].append(drive(base, reservations, seconds=args.seconds, connections=connections))
            runs["orders"].append(drive(base, order, seconds=args.seconds, connections=connections))
        units_reservations = median_of(runs["reservations"], "rps")
        units_orders = median_of(runs["orders"], "rps") * len(items)
        rows.append(
            {
                "scenario": f"order placement (3 lines) vs 3 reservation POSTs, {connections} conn",
                "connections": connections,
                "rps": median_of(runs["orders"], "rps"),
                "p50_ms": median_of(runs["orders"], "p50_ms"),
                "p99_ms": median_of(runs["orders"], "p99_ms"),
                "reservation_rps": units_reservations,
                "reservation_p50": median_of(runs["reservations"], "p50_ms"),
                "units_orders": units_orders,
                "units_reservations": units_reservations,
                "ratio": units_orders / units_reservations,
                "errors": sum(r["non_2xx"] + r["socket_errors"] for rs in runs.values() for r in rs),
            }
        )
    return rows


def fulfil_latency(url, base, admin, customers, branch, items, count: int) -> dict:
    """Place and confirm ``count`` orders, let their mail go out, then fulfil each once from 8 threads.

    The setup's mail (placed and confirmed, two per order) is drained before the clock starts: it is
    the placements' cost, not the fulfils'; the fulfils' own mail goes out while they run."""
    staff = Http(base, admin)
    clients = [Http(base, token) for token in customers]
    todo = []
    for i in range(count):
        resp = clients[i % len(clients)].post(ORDERS, order_body(branch, items))
        if resp.status != 201:
            raise SystemExit(f"placing an order failed: {resp.status} {resp.body}")
        order = resp.body["data"]
        confirmed = staff.post(f"{ORDERS}/{order['id']}/confirm")
        if confirmed.status != 200:
            raise SystemExit(f"confirming an order failed: {confirmed.status} {confirmed.body}")
        todo.append((order["id"], order["pickupCode"]))
    for client in (staff, *clients):
        client.close()
    setup_mail = mail_drain(url)
    lock, latencies, failures = threading.Lock(), [], []

    def worker() -> None:
        client = Http(base, admin)
        while True:
            with lock:
                if not todo:
                    break
                order_id, code = todo.pop()
            start = time.perf_counter()
            resp = client.post(f"{ORDERS}/{order_id}/fulfil", {"pickupCode": code})
            took = time.perf_counter() - start
            with lock:
                (latencies if resp.status == 200 else failures).append(took if resp.status == 200 else resp.status)
        client.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(FULFIL_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "scenario": f"fulfil (3 lines), {FULFIL_CLIENTS} clients",
        "orders": count,
        "rps": len(latencies) / elapsed,
        **latency_summary(latencies),
        "errors": len(failures),
        "setup_mail_drain_s": setup_mail["drain_s"],
        "requests": count,
        "non_2xx": len(failures),
    }


GENERATE = """
WITH made AS (
    INSERT INTO order_schema.orders
        (id, created_at, updated_at, number, customer_id, customer_name, customer_email, branch_id, branch_code,
         branch_name, status, currency, subtotal, total, notes, cancel_reason, pickup_code, expires_at, placed_at,
         confirmed_at, ready_at, fulfilled_at, cancelled_at)
    SELECT gen_random_uuid(), t, t, 'NJ-9' || lpad(g::text, 8, '0'),
           CASE WHEN %(mine)s THEN %(customer)s::uuid
                ELSE ('00000000-0000-4000-8000-' || lpad((g %% 50000)::text, 12, '0'))::uuid END,
           CASE WHEN %(mine)s THEN %(name)s ELSE 'Generated Customer' END,
           CASE WHEN %(mine)s THEN %(email)s ELSE 'generated@example.com' END,
           %(branch)s::uuid, 'ST-DT', 'Downtown Store', 'CANCELLED', 'USD', 2.50, 2.50, NULL, 'CUSTOMER',
           '000000', NULL, t, NULL, NULL, NULL, t + interval '1 hour'
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) g,
         LATERAL (SELECT now() - interval '400 days' * (((g::bigint * 7919) %% 1000003) / 1000003.0) AS t) placed
    RETURNING id
)
INSERT INTO order_schema.order_lines
    (id, order_id, inventory_item_id, sku, name, unit_price, quantity, fulfilled_quantity, line_total,
     reservation_id, position)
SELECT gen_random_uuid(), made.id, %(item)s::uuid, 'ORD-0', 'Order bench 0', 2.50, 1, NULL, 2.50,
       gen_random_uuid(), 0
FROM made
"""
CHUNK = 250_000


def generate(url: str, branch: str, item: str, first: int, last: int, *, mine: bool) -> None:
    """Orders numbered ``first``..``last`` (NJ-9…: far above the sequence's numbers), in chunks."""
    with psycopg.connect(url, autocommit=True) as conn:
        for start in range(first, last + 1, CHUNK):
            params = {"first": start, "last": min(last, start + CHUNK - 1), "mine": mine, "customer": LIST_CUSTOMER[0],
                      "name": LIST_CUSTOMER[1], "email": LIST_CUSTOMER[2], "branch": branch, "item": item}  # fmt: skip
            conn.execute(GENERATE, params)


def analyze(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE order_schema.orders")
        conn.execute("ANALYZE order_schema.order_lines")
        return conn.execute("SELECT count(*) FROM order_schema.orders").fetchone()[0]


def list_at(base: str, token: str, total: int, args) -> dict:
    groups = [{"name": "list", "weight": 1, "token": token, "requests": [{"method": "GET", "path": ORDERS}]}]
    resp = Http(base, token).get(ORDERS)
    if resp.status != 200 or not resp.body["data"]:
        raise SystemExit(f"preflight GET {ORDERS} failed: {resp.status} {resp.body}")
    drive(base, groups, seconds=1, connections=LIST_CONNECTIONS)  # warm-up
    runs = [drive(base, groups, seconds=args.seconds, connections=LIST_CONNECTIONS) for _ in range(args.rounds)]
    return {
        "scenario": f"customer's order list, first page, at {total:,} orders",
        "orders": total,
        "rps": median_of(runs, "rps"),
        "p50_ms": median_of(runs, "p50_ms"),
        "p99_ms": median_of(runs, "p99_ms"),
        "errors": sum(r["non_2xx"] + r["socket_errors"] for r in runs),
    }


def order_list_at_scale(url: str, server: Server, branch: str, item: str, args) -> list[dict]:
    token = login(server.base, LIST_CUSTOMER[2], "customer123")
    have = analyze(url)
    generate(url, branch, item, 1, LIST_CUSTOMER_ORDERS, mine=True)
    generate(url, branch, item, LIST_CUSTOMER_ORDERS + 1, args.small - have, mine=False)
    small = list_at(server.base, token, analyze(url), args)
    generate(url, branch, item, args.small - have + 1, args.orders - have, mine=False)
    big = list_at(server.base, token, analyze(url), args)
    big["ratio"] = big["p99_ms"] / small["p99_ms"]
    return [small, big]


PENDING_MAIL = "SELECT count(*) FROM core_schema.mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL"


def start_mail_delivery(url: str, env: dict) -> subprocess.Popen:
    """``serve``'s mail-delivery thread as a process of its own (granian alone runs no delivery)."""
    command = [PY, "manage.py", "deliver_mail", "--follow"]
    return subprocess.Popen(command, cwd=ROOT, env=app_env(url, **env), stdout=subprocess.DEVNULL)


def mail_drain(url: str, timeout: float = 600) -> dict:
    """Seconds from now until the outbox has nothing pending (the placements' mail sent)."""
    with psycopg.connect(url, autocommit=True) as conn:
        pending = conn.execute(PENDING_MAIL).fetchone()[0]
        started = time.monotonic()
        while conn.execute(PENDING_MAIL).fetchone()[0] and time.monotonic() - started < timeout:
            time.sleep(0.1)
        left = conn.execute(PENDING_MAIL).fetchone()[0]
        total = conn.execute("SELECT count(*) FROM core_schema.mail_outbox").fetchone()[0]
    return {"pending_after_placements": pending, "drain_s": time.monotonic() - started, "left": left, "events": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--fulfil-orders", type=int, default=400)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes and runs: proves the script runs")
    args = parser.parse_args()
    args.small = SMALL_ORDERS
    if args.smoke:
        args.seconds, args.rounds, args.orders, args.small, args.fulfil_orders = 1, 1, 20_000, 2_000, 40
    args.seconds, args.rounds, args.clients = min(args.seconds, 30), max(1, min(args.rounds, 5)), min(args.clients, 32)
    args.orders = max(min(args.orders, 5_000_000), args.small * 2)
    args.fulfil_orders = max(FULFIL_CLIENTS, min(args.fulfil_orders, 5_000))

    sink = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    sink.start()
    env = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port), "ORDER_MAX_OPEN_PER_CUSTOMER": "10000000"}
    try:
        with bench_database(DB_NAME, keep=args.keep_db) as url:
            facts = machine(url)
            with Server(url, env=env) as server:
                delivery = start_mail_delivery(url, env)
                try:
                    admin = login(server.base)
                    branch = fixtures(server.base, admin).branches[BRANCH]
                    customers = bench_customers(url, server.base)
                    items = bench_items(server.base, admin, branch)
                    placement = placement_vs_reservations(server.base, admin, customers, branch, items, args)
                    drain = mail_drain(url)
                    fulfil = fulfil_latency(url, server.base, admin, customers, branch, items, args.fulfil_orders)
                    reconcile = manage(url, "reconcile_stock", timeout=300)
                    listing = order_list_at_scale(url, server, branch, items[0], args)
                finally:
                    delivery.terminate()
                    delivery.wait(timeout=30)
    finally:
        sink.stop()

    columns = [
        ("connections", "connections"), ("reservation_rps", "reservation req/s (1 unit)"),
        ("reservation_p50", "reservation p50 ms"), ("rps", "order req/s (3 lines)"), ("p50_ms", "order p50 ms"),
        ("p99_ms", "order p99 ms"), ("units_orders", "units/s by orders"), ("ratio", "ratio per unit reserved"),
        ("errors", "errors"),
    ]  # fmt: skip
    list_columns = [("orders", "orders in the table"), ("rps", "req/s"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"),
                    ("errors", "errors")]  # fmt: skip
    lines = [
        "# Orders benchmark" + (" (SMOKE RUN: tiny sizes, not figures)" if args.smoke else ""),
        "",
        machine_line(facts),
        f"Server: granian, 2 workers x 4 blocking threads, rate limiting off, order e-mails to an SMTP sink on "
        f"127.0.0.1. wrk, {args.seconds:g} s per run, {args.rounds} round(s), medians shown.",
        "",
        "## A 3-line order vs 3 single reservations (goal >= 1.5x per unit reserved)",
        "",
        md_table(placement, columns),
        "",
        f"Order e-mail (the outbox, sent by `deliver_mail --follow` in its own process during the runs): "
        f"{drain['pending_after_placements']} of {drain['events']} mail events still pending when the "
        f"placements ended, drained in **{drain['drain_s']:.1f} s** ({drain['left']} left).",
        "",
        f"## Fulfil, {FULFIL_CLIENTS} clients (goal p99 < 50 ms)",
        "",
        f"{fulfil['orders']} confirmed 3-line orders, each fulfilled once with its pickup code: "
        f"**{fulfil['rps']:.1f}** fulfils/s, p50 **{fulfil['p50_ms']:.1f} ms**, p99 **{fulfil['p99_ms']:.1f} ms**, "
        f"max {fulfil['max_ms']:.1f} ms, {fulfil['errors']} error(s). The setup's mail (placed and confirmed) "
        f"was sent before the clock started ({fulfil['setup_mail_drain_s']:.1f} s).",
        "",
        f"reconcile_stock after the placements and fulfils: exit {reconcile.returncode}, "
        f"`{reconcile.stdout.strip()[:200]}`",
        "",
        f"## The customer's order list (first page, {LIST_CONNECTIONS} connections; goal p99 < 50 ms and <= 1.5x)",
        "",
        f"The customer owns {LIST_CUSTOMER_ORDERS} orders; the others are generated with INSERT … SELECT "
        "generate_series (one line each), ANALYZE after each load.",
        "",
        md_table(listing, list_columns),
        "",
        f"p99 ratio, {listing[1]['orders']:,} vs {listing[0]['orders']:,} orders: **{listing[1]['ratio']:.2f}**",
    ]
    report = "\n".join(lines)
    write_results(
        "order_smoke" if args.smoke else "order",
        report,
        {
            "benchmark": "order",
            "smoke": args.smoke,
            "machine": facts,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "clients": args.clients,
            "scenarios": [*placement, fulfil, *listing],
            "mail_drain": drain,
            "ratios": {
                **{
                    f"units reserved per second, orders / reservations, {r['connections']} conn": r["ratio"]
                    for r in placement
                },
                "order list p99, big / small": listing[1]["ratio"],
            },
            "reconcile_exit": reconcile.returncode,
        },
    )
    print(report)


if __name__ == "__main__":
    main()
