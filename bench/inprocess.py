"""CPU per request of one Python process calling the WSGI app: no server, no load client.

    .venv/bin/python bench/inprocess.py [--requests 1000] [--replicas 0] [--profile cprofile|pyinstrument]
                                        [--only health,profile,items,movement,reservation,order,fulfil,lowstock]
                                        [--reuse-db] [--stock-items 100000]

The method of ``bench/results/notes.md``: production settings (``bench/harness.PRODUCTION_SERVER``,
rate limits off), the app of ``natjoub.wsgi`` called with a hand-built WSGI environ, so every
request goes through Django's request signals and the whole middleware stack. For each scenario:
CPU time of the process (``time.process_time``: the pool's worker threads included) and wall
time per request, and the garbage collector's pauses (``gc.callbacks``) during the run.
``order`` is a placement of 3 lines of 1 unit by a verified demo customer (``reservation``: one
reservation POST of 1 unit by the admin, the comparison of ``bench/order_bench.py``); its e-mails go
through the mail outbox (docs/architecture.md §3.12): the request only stores the event, as a web
worker of ``serve`` does, so the ``order`` row is the web worker's CPU; the row after it,
``order mail``, is the CPU per order of ``natjoub.outbox.deliver_all`` sending the backlog the
run left (batches of 100 over one SMTP connection each, to an SMTP sink in a separate process,
aiosmtpd), what ``serve``'s delivery thread spends; the two added are the whole cost.
``--replicas N`` configures N replica aliases pointing at the same database (to measure what
configured aliases cost a request that never reads from them). ``--profile`` prints the top
functions of one more run of each scenario.

The database is ``natjoub_bench_inproc`` on the embedded server (or DATABASE_URL's), migrated and
seeded by ``seed_demo``; ``--reuse-db`` keeps it between runs. Never part of CI.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    ADMIN,
    PRODUCTION_SERVER,
    app_env,
    prepare_database,
    recreate_database,
    server_uri,
    with_dbname,
)

DB_NAME = "natjoub_bench_inproc"
CUSTOMER = ("customer1@example.com", "customer123")
ORDER_BRANCH = "ST-DT"


class App:
    """The WSGI app and a minimal WSGI client for it."""

    def __init__(self, application, token: str | None = None):
        self.application = application
        self.token = token

    def login(self, identifier: str, password: str) -> App:
        """Another client of the same app, signed in as ``identifier``."""
        status, body = App(self.application).call(
            "POST", "/api/v1/auth/login", {"identifier": identifier, "password": password}
        )
        if status != 200:
            raise SystemExit(f"login of {identifier} failed: {status} {body[:300]!r}")
        return App(self.application, json.loads(body)["data"]["accessToken"])

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else b""
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT": "application/json", "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(data), "wsgi.errors": sys.stderr,
            "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
        }  # fmt: skip
        if data:
            environ["CONTENT_TYPE"] = "application/json"
            environ["CONTENT_LENGTH"] = str(len(data))
        if self.token:
            environ["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        status = []
        chunks = self.application(environ, lambda s, h, exc_info=None: status.append(s))
        try:
            payload = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return int(status[0].split()[0]), payload


def smtp_sink() -> tuple[subprocess.Popen, int]:
    """An SMTP server that accepts and drops every message, in its own process (not our CPU)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the SMTP sink did not start")


def setup(url: str, replicas: int, smtp_port: int | None = None) -> App:
    env = app_env(url, **PRODUCTION_SERVER, PROMETHEUS_MULTIPROC_DIR=tempfile.mkdtemp(prefix="natjoub-inproc-"))
    env["ORDER_MAX_OPEN_PER_CUSTOMER"] = "100000000"  # as bench/order_bench.py: the limit never refuses
    if smtp_port:
        env["EMAIL_HOST"], env["EMAIL_PORT"] = "127.0.0.1", str(smtp_port)
    if replicas:
        env["DATABASE_REPLICA_URLS"] = ",".join([url] * replicas)
    os.environ.clear()
    os.environ.update(env)
    from natjoub.wsgi import application

    app = App(application)
    status, body = app.call("POST", "/api/v1/auth/login", {"identifier": ADMIN[0], "password": ADMIN[1]})
    if status != 200:
        raise SystemExit(f"login failed: {status} {body[:300]!r}")
    app.token = json.loads(body)["data"]["accessToken"]
    return app


def scenarios(app: App) -> dict:
    _, body = app.call("GET", "/api/v1/inventory/items?limit=1&search=ELEC-LAP-001")
    item = json.loads(body)["data"][0]["id"]
    _, body = app.call("GET", "/api/v1/inventory/branches?limit=100")
    branch = next(b["id"] for b in json.loads(body)["data"] if b["code"] == "WH-MAIN")
    flip = [0]

    def movement():
        flip[0] ^= 1
        kind = "IN" if flip[0] else "OUT"
        body = {"inventoryItemId": item, "movementType": kind, "quantity": 1, "notes": "inprocess"}
        body["toBranchId" if kind == "IN" else "fromBranchId"] = branch
        return app.call("POST", "/api/v1/inventory/movements", body)

    scenarios = {
        "health": lambda: app.call("GET", "/health/live"),
        "profile": lambda: app.call("GET", "/api/v1/admin/auth/profile"),
        "items": lambda: app.call("GET", "/api/v1/inventory/items?limit=100"),
        "movement": movement,
        "lowstock": lambda: app.call("GET", "/api/v1/inventory/stock-levels/low-stock"),
    }
    return scenarios | order_scenarios(app)


def order_scenarios(app: App) -> dict:
    """3 items with plenty of stock at ST-DT (made once per database), a customer's placement of
    one unit of each, and the admin's single reservation POSTs of one unit (in turn)."""
    _, body = app.call("GET", "/api/v1/inventory/branches?limit=100")
    branch = next(b["id"] for b in json.loads(body)["data"] if b["code"] == ORDER_BRANCH)
    items = []
    for i in range(3):
        sku = f"INPROC-ORD-{i}"
        _, body = app.call("GET", f"/api/v1/inventory/items?limit=1&search={sku}")
        found = json.loads(body)["data"]
        if found:
            items.append(found[0]["id"])
        else:
            status, body = app.call("POST", "/api/v1/inventory/items",
                                    {"sku": sku, "name": f"In-process order {i}", "unitOfMeasure": "piece",
                                     "unitPrice": "2.50"})  # fmt: skip
            if status != 201:
                raise SystemExit(f"creating an order item failed: {status} {body[:300]!r}")
            items.append(json.loads(body)["data"]["id"])
        stock = {"inventoryItemId": items[-1], "movementType": "IN", "quantity": 1_000_000, "toBranchId": branch}
        status, body = app.call("POST", "/api/v1/inventory/movements", stock)
        if status != 201:
            raise SystemExit(f"stocking an order item failed: {status} {body[:300]!r}")
    customer = app.login(*CUSTOMER)
    order = {"branchId": branch, "lines": [{"inventoryItemId": item, "quantity": 1} for item in items]}
    turn = [0]

    def reservation():
        turn[0] = (turn[0] + 1) % len(items)
        body = {"inventoryItemId": items[turn[0]], "branchId": branch, "quantity": 1, "ttlSeconds": 604800}
        return app.call("POST", "/api/v1/inventory/reservations", body)

    ready: list[tuple[str, str]] = []

    def fulfil():
        order_id, code = ready.pop()
        return app.call("POST", f"/api/v1/orders/{order_id}/fulfil", {"pickupCode": code})

    def prepare(count: int) -> None:
        """Orders placed and confirmed before the clock starts: ``fulfil`` measures the fulfil only."""
        for _ in range(count):
            status, body = customer.call("POST", "/api/v1/orders", order)
            placed = json.loads(body)["data"]
            if status != 201 or app.call("POST", f"/api/v1/orders/{placed['id']}/confirm")[0] != 200:
                raise SystemExit(f"preparing an order to fulfil failed: {status} {body[:300]!r}")
            ready.append((placed["id"], placed["pickupCode"]))

    fulfil.prepare = prepare
    return {
        "order": lambda: customer.call("POST", "/api/v1/orders", order),
        "reservation": reservation,
        "fulfil": fulfil,
    }


def generate_stock(url: str, items: int) -> None:
    """The stock rows of bench/inventory_bench.py (about 0.1 % of them low), unless already there."""
    import psycopg

    from bench.inventory_bench import BRANCHES, COLD_ROWS, GENERATE, HOT_ROWS, settle

    with psycopg.connect(url) as conn:
        if conn.execute("SELECT count(*) FROM inventory_schema.inventory_items WHERE sku LIKE 'BENCH-%'").fetchone()[0]:
            return
        for sql in GENERATE:
            conn.execute(sql, {"branches": BRANCHES, "items": items, "rows": HOT_ROWS + COLD_ROWS})
        conn.commit()
    settle(url)


def pool_stats() -> dict:
    from django.db import connections

    pool = connections["default"].pool
    return pool.pop_stats() if pool else {}


def ready_for(call, count: int) -> None:
    """A scenario that consumes prepared state (``fulfil``: confirmed orders) gets ``count`` calls'
    worth of it before the clock starts."""
    prepare = getattr(call, "prepare", None)
    if prepare is not None:
        prepare(count)


def measure(call, requests: int, threads: int = 1) -> dict:
    """``requests`` calls spread over ``threads`` threads (granian's blocking threads of a worker)."""
    ready_for(call, min(50, requests) + requests)
    for _ in range(min(50, requests)):  # warm-up: caches, pool, compiled queries
        status, body = call()
        if status >= 300:
            raise SystemExit(f"warm-up request failed: {status} {body[:300]!r}")
    pauses: list[tuple[float, int]] = []
    started: list[float] = []

    def on_gc(phase, info):
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            pauses.append((time.perf_counter() - started.pop(), info["generation"]))

    wall: list[float] = []

    def run(n: int) -> None:
        from django.db import connections

        for _ in range(n):
            w0 = time.perf_counter()
            call()
            wall.append(time.perf_counter() - w0)
        connections.close_all()

    from natjoub.background import wait_for_background_tasks

    wait_for_background_tasks(timeout=60)
    pool_stats()  # pop_stats() resets the counters
    gc.callbacks.append(on_gc)
    c0 = time.process_time()
    try:
        workers = [threading.Thread(target=run, args=(requests // threads,)) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        wait_for_background_tasks(timeout=60)  # e-mails after the response: CPU of this process too
    finally:
        cpu = time.process_time() - c0
        gc.callbacks.remove(on_gc)
    stats = pool_stats()
    ordered = sorted(wall)
    at = lambda q: 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "cpu_ms": 1000 * cpu / len(wall), "wall_p50_ms": at(0.5), "wall_p99_ms": at(0.99), "wall_max_ms": at(1),
        "gc_pauses": len(pauses), "gc_max_ms": 1000 * max((p for p, _ in pauses), default=0.0),
        "gc2": sum(1 for _, g in pauses if g == 2),
        "pool_waits": stats.get("requests_queued", 0), "pool_wait_ms": stats.get("requests_wait_ms", 0),
        "pool_size": stats.get("pool_size", "-"), "connections": stats.get("connections_num", 0),
    }  # fmt: skip


def mail_delivery_row() -> None:
    """The outbox's backlog (the placements' mail events) sent as serve's delivery thread sends it:
    CPU and wall time per placement (4 messages each with the demo data)."""
    from django.db import connections

    from natjoub import outbox

    pending = outbox.pending_count()
    c0, w0 = time.process_time(), time.perf_counter()
    done = outbox.deliver_all(outbox.BATCH)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    connections.close_all()
    if done.sent != pending or done.failed or done.given_up:
        raise SystemExit(f"mail delivery: {pending} pending, {done}")
    per = 1000 / max(1, done.sent)
    print(f"| order mail ({done.sent} placements, batches of {outbox.BATCH}) | {cpu * per:.3f} | "
          f"{wall * per:.2f} (mean) | - | - | - | - | - | - | - | - | - |", flush=True)  # fmt: skip


def profile(call, requests: int, tool: str) -> str:
    ready_for(call, requests)
    if tool == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(requests):
            call()
        profiler.stop()
        return profiler.output_text(unicode=False, color=False, show_all=False)
    import cProfile
    import pstats

    prof = cProfile.Profile(time.process_time)  # CPU, not wall: the machine may be busy
    prof.enable()
    for _ in range(requests):
        call()
    from natjoub.background import wait_for_background_tasks

    wait_for_background_tasks(timeout=60)  # (cProfile sees the calling thread only)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(45)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--replicas", type=int, default=0)
    parser.add_argument("--only", default="health,profile,items,movement,reservation,order")
    parser.add_argument("--profile", choices=["cprofile", "pyinstrument"])
    parser.add_argument("--threads", type=int, default=1, help="concurrent callers (granian: 4 per worker)")
    parser.add_argument(
        "--gc-freeze", action="store_true",
        help="gc.freeze() again after the warm-up requests (natjoub/wsgi.py freezes what loading left)",
    )  # fmt: skip
    parser.add_argument("--reuse-db", action="store_true")
    parser.add_argument(
        "--stock-items", type=int, default=0,
        help="generate N items x 10 branches of stock rows as bench/inventory_bench.py does (N=100000: 1,000,000)",
    )  # fmt: skip
    args = parser.parse_args()

    uri = server_uri()
    url = with_dbname(uri, DB_NAME)
    if not args.reuse_db:
        recreate_database(uri, DB_NAME)
        prepare_database(url)
    if args.stock_items:
        generate_stock(url, args.stock_items)
    sink, smtp_port = smtp_sink()
    try:
        run(args, url, smtp_port)
    finally:
        sink.terminate()
        sink.wait(timeout=10)


def run(args, url: str, smtp_port: int) -> None:
    app = setup(url, args.replicas, smtp_port)
    calls = scenarios(app)
    if args.gc_freeze:
        for call in calls.values():
            ready_for(call, 1)
            call()
        gc.collect()
        gc.freeze()
    print(
        f"# in-process, {args.requests} requests each over {args.threads} thread(s), "
        f"{args.replicas} replica aliases configured, "
        f"gc.freeze() at load{' and after the warm-up' if args.gc_freeze else ''}"
    )
    print(
        "| scenario | CPU ms/req | wall p50 ms | wall p99 ms | wall max ms | GC pauses | gen2 | max GC ms "
        "| pool waits | pool wait ms | pool size | new conns |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in args.only.split(","):
        r = measure(calls[name], args.requests, args.threads)
        print(f"| {name} | {r['cpu_ms']:.3f} | {r['wall_p50_ms']:.2f} | {r['wall_p99_ms']:.2f} | "
              f"{r['wall_max_ms']:.2f} | {r['gc_pauses']} | {r['gc2']} | {r['gc_max_ms']:.2f} | "
              f"{r['pool_waits']} | {r['pool_wait_ms']} | {r['pool_size']} | {r['connections']} |",
              flush=True)  # fmt: skip
        if name == "order":
            mail_delivery_row()
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    gc.collect()
    full, full_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"\nTracked objects: {len(gc.get_objects()):,}; a full collection (what a gen2 pause costs): "
        f"{1000 * full:.1f} ms ({1000 * full_cpu:.1f} ms of CPU); gc.get_freeze_count() {gc.get_freeze_count():,}"
    )
    if args.profile:
        for name in args.only.split(","):
            print(f"\n## profile: {name}\n")
            print(profile(calls[name], args.requests, args.profile))


if __name__ == "__main__":
    main()
