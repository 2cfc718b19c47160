"""Shared machinery of the load and fault benchmarks (mixed_load, db_fault, worker_kill, soak).

* bench databases: a fresh database per script on the embedded PostgreSQL server (or on the
  server of ``DATABASE_URL`` when set), migrated and seeded with ``seed_demo``;
* the app server: granian with the production flags, its main PID and worker processes (psutil);
* a stdlib HTTP client (``http.client``, one keep-alive connection per thread) that records every
  response, and wrk with a generated Lua script for throughput;
* checks on the ledger: ``manage.py reconcile_stock`` plus an independent SQL recount;
* statistics and result files (``bench/results/<name>.md`` and ``.json``).

Traffic goes to 127.0.0.1 only; every loop is bounded in time.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import platform
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
import psycopg

from bench.common import RESULTS, ROOT, free_port, run_wrk, wait_http
from natjoub.serving import granian

wrk = run_wrk  # the scripts of this harness call it wrk

PY = sys.executable
ADMIN = ("admin@example.com", "admin123")
MOVEMENTS = "/api/v1/inventory/movements"


# ---------------------------------------------------------------------------------------------
# databases
# ---------------------------------------------------------------------------------------------
def server_uri() -> str:
    """libpq URI of the PostgreSQL server the benchmarks use: DATABASE_URL's, else the embedded one."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        return configured
    sys.path.insert(0, str(ROOT))
    from natjoub.db.embedded import database_uri

    return database_uri()


def with_dbname(uri: str, name: str) -> str:
    """The same server URI with another database name (libpq URI form)."""
    parts = urllib.parse.urlsplit(uri)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def admin_uri(uri: str) -> str:
    return with_dbname(uri, "postgres")


def recreate_database(uri: str, name: str) -> str:
    """Drop (if present) and create database ``name`` on the server of ``uri``; return its URI."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(name)
    with psycopg.connect(admin_uri(uri), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return with_dbname(uri, name)


def drop_database(uri: str, name: str) -> None:
    with contextlib.suppress(psycopg.Error), psycopg.connect(admin_uri(uri), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# One signing key per benchmark process, shared by its server and its manage.py commands (some
# scripts mint tokens with ``manage.py shell``).
JWT_SECRET = secrets.token_urlsafe(48)

# The server runs as in production (docs/api.md §32): DEBUG off, every security middleware on.
# Only the HTTPS redirect is off: TLS ends at the proxy, and the load comes over plain HTTP from
# 127.0.0.1 (the rate limits stay off, as in every earlier run: wrk is one client address).
PRODUCTION_SERVER = {
    "APP_ENVIRONMENT": "production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
}


def app_env(url: str, **extra: str) -> dict[str, str]:
    """Environment of the app (server and manage.py) against the bench database ``url``."""
    env = {
        **os.environ,
        "JWT_SECRET": JWT_SECRET,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "natjoub.settings",
        "RATE_LIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        # long runs (soak) must not outlive the access token
        "JWT_ACCESS_TTL_SECONDS": "86400",
        "PYTHONDONTWRITEBYTECODE": "1",
        **extra,
    }
    env.pop("NATJOUB_EMBEDDED_DB_URI", None)
    return env


def manage(url: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=app_env(url), capture_output=True, text=True, timeout=timeout
    )


def has_command(name: str) -> bool:
    return any(ROOT.glob(f"*/management/commands/{name}.py"))


SEED_USERS = "from auth_app.seed import seed_demo_users; seed_demo_users()"


def prepare_database(url: str) -> None:
    """Migrate (which creates the cache table) and seed the demo data (docs/api.md §23). Without
    ``seed_demo`` only the demo accounts are seeded; ``fixtures()`` then creates the inventory
    part through the API."""
    for args in (("migrate", "--noinput", "-v", "0"), ("seed_demo",)):
        if args[0] == "seed_demo" and not has_command("seed_demo"):
            args = ("shell", "-c", SEED_USERS)
        done = manage(url, *args)
        if done.returncode != 0:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


@contextlib.contextmanager
def bench_database(name: str, *, keep: bool = False):
    """A fresh, migrated and seeded database ``name``; dropped afterwards unless ``keep``."""
    uri = server_uri()
    url = recreate_database(uri, name)
    try:
        prepare_database(url)
        yield url
    finally:
        if not keep:
            drop_database(uri, name)


def pg_version(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT version()").fetchone()[0]


def machine(url: str | None = None) -> dict:
    facts = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "arch": platform.machine(),
        "kernel": platform.release(),
        "time_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    if url:
        with contextlib.suppress(psycopg.Error):
            facts["postgresql"] = pg_version(url)
    return facts


def machine_line(facts: dict) -> str:
    pg = facts.get("postgresql", "PostgreSQL ?").split(" on ")[0]
    return f"{facts['cores']} cores, Python {facts['python']}, {facts['arch']}, {pg}, {facts['time_utc']}"


# ---------------------------------------------------------------------------------------------
# ledger checks
# ---------------------------------------------------------------------------------------------
def ledger_ids(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {str(row[0]) for row in conn.execute("SELECT id FROM inventory_schema.stock_movements")}


SIGNED_SUM_DRIFT = """
WITH deltas AS (
    SELECT inventory_item_id AS item, to_branch_id AS branch, quantity AS delta
      FROM inventory_schema.stock_movements
     WHERE to_branch_id IS NOT NULL AND movement_type IN ('IN', 'RETURN', 'TRANSFER', 'ADJUSTMENT', 'TRANSFER_IN')
    UNION ALL
    SELECT inventory_item_id, from_branch_id, -quantity
      FROM inventory_schema.stock_movements
     WHERE from_branch_id IS NOT NULL
       AND (movement_type IN ('OUT', 'TRANSFER', 'TRANSFER_OUT')
            OR (movement_type = 'ADJUSTMENT' AND to_branch_id IS NULL))
), sums AS (SELECT item, branch, sum(delta) AS total FROM deltas GROUP BY item, branch)
SELECT coalesce(s.inventory_item_id, d.item)::text, coalesce(s.branch_id, d.branch)::text,
       s.quantity, d.total
  FROM inventory_schema.stock_levels s
  FULL JOIN sums d ON d.item = s.inventory_item_id AND d.branch = s.branch_id
 WHERE coalesce(s.quantity, 0) <> coalesce(d.total, 0)
"""


def sql_drift(url: str) -> list[tuple]:
    """Stock rows whose quantity differs from the signed sum of their movements (docs/api.md §12)."""
    with psycopg.connect(url) as conn:
        return conn.execute(SIGNED_SUM_DRIFT).fetchall()


def reconcile(url: str) -> tuple[int | None, str]:
    """Exit status and output of ``manage.py reconcile_stock`` (None when the command is missing)."""
    if not has_command("reconcile_stock"):
        return None, "manage.py reconcile_stock is not available"
    done = manage(url, "reconcile_stock", timeout=300)
    return done.returncode, (done.stdout + done.stderr).strip()


def check_ledger(url: str, ok_ids: set[str], *, baseline: set[str] | None = None, unknown: int = 0) -> dict:
    """Every 2xx movement is in the ledger, the ledger has no more new rows than 2xx + unknown
    outcomes (requests whose connection broke), ledger == stock levels (reconcile_stock and SQL)."""
    ledger = ledger_ids(url)
    new_rows = len(ledger - (baseline or set()))
    missing = sorted(ok_ids - ledger)
    rc, output = reconcile(url)
    drift = sql_drift(url)
    return {
        "acknowledged": len(ok_ids),
        "ledger_new_rows": new_rows,
        "missing_acknowledged": missing,
        "unacknowledged_in_ledger": new_rows - len(ok_ids & ledger),
        "unknown_outcomes": unknown,
        "extra_rows_bounded": new_rows - len(ok_ids) <= unknown,
        "reconcile_exit": rc,
        "reconcile_output": output[-2000:],
        "sql_drift_rows": [list(map(str, row)) for row in drift],
        "ok": not missing and rc in (0, None) and not drift and new_rows - len(ok_ids) <= unknown,
    }


# ---------------------------------------------------------------------------------------------
# the app server
# ---------------------------------------------------------------------------------------------
class Server:
    """granian serving natjoub.wsgi against ``url`` with the production flags of ``manage.py serve``."""

    APP = os.environ.get("BENCH_APP", "natjoub.wsgi:application")

    def __init__(self, url: str, *, workers: int = 2, threads: int = 4, respawn: bool = True, env=None):
        self.url, self.workers, self.threads, self.respawn = url, workers, threads, respawn
        self.extra_env = env or {}
        self.tmp = Path(tempfile.mkdtemp(prefix="natjoub-bench-"))
        self.log_path = self.tmp / "server.log"
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Server:
        if self.alive():  # `with Server(...).start() as srv` must not start a second server
            return self
        self.port = free_port()
        metrics = self.tmp / "metrics"
        metrics.mkdir(exist_ok=True)
        command = granian.command(
            host="127.0.0.1", port=self.port, workers=self.workers, threads=self.threads, respawn=self.respawn,
            app=self.APP, extra=["--log-level", "warning"],
        )  # fmt: skip
        settings = {"PROMETHEUS_MULTIPROC_DIR": str(metrics), **PRODUCTION_SERVER, **self.extra_env}
        env = granian.environment(app_env(self.url, **settings))
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        try:
            wait_http(self.base + "/health/live", timeout=timeout)
        except OSError:
            self.stop()
            raise SystemExit(f"the server did not start:\n{self.log()}") from None
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        with contextlib.suppress(AttributeError):
            self._log.close()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def worker_processes(self) -> list[psutil.Process]:
        try:
            children = psutil.Process(self.pid).children()
        except psutil.NoSuchProcess:
            return []
        workers = []
        for child in children:
            with contextlib.suppress(psutil.Error):
                if "granian" in " ".join(child.cmdline()):
                    workers.append(child)
        return workers

    def worker_pids(self) -> list[int]:
        return sorted(p.pid for p in self.worker_processes())

    def worker_rss(self) -> dict[int, int]:
        rss = {}
        for proc in self.worker_processes():
            with contextlib.suppress(psutil.Error):
                rss[proc.pid] = proc.memory_info().rss
        return rss

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def tracebacks(text: str, limit: int = 3) -> list[str]:
    """The first ``limit`` Python tracebacks (or JSON log records with one) in a server log."""
    found = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback") or '"exc_info"' in line or "Traceback (most recent" in line:
            block = [line]
            for nxt in lines[i + 1 : i + 60]:
                block.append(nxt)
                if nxt and not nxt.startswith((" ", "\t", "Traceback", "During", "The above")) and len(block) > 2:
                    break
            found.append("\n".join(block))
            if len(found) >= limit:
                break
    return found


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------
@dataclass
class Response:
    status: int | None
    body: dict | None
    elapsed: float
    error: str | None = None
    headers: dict = field(default_factory=dict)

    @property
    def code(self) -> str | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return self.body["error"].get("code")
        return None


class Http:
    """One keep-alive connection; every failure is returned (never retried) so it can be counted."""

    def __init__(self, base: str, token: str | None = None, timeout: float = 30):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.token, self.timeout = token, timeout
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, body=None, headers: dict | None = None) -> Response:
        data = json.dumps(body).encode() if body is not None else None
        sent = {"Accept": "application/json", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        if data is not None:
            sent["Content-Type"] = "application/json"
        start = time.monotonic()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.conn.request(method, path, body=data, headers=sent)
            resp = self.conn.getresponse()
            raw = resp.read()
            if resp.will_close:
                self.close()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return Response(None, None, time.monotonic() - start, error=type(exc).__name__)
        elapsed = time.monotonic() - start
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = {"_text": raw[:200].decode(errors="replace")}
        return Response(resp.status, parsed, elapsed, headers=dict(resp.getheaders()))

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, body=None, headers: dict | None = None) -> Response:
        return self.request("POST", path, body, headers)


def login(base: str, identifier: str = ADMIN[0], password: str = ADMIN[1]) -> str:
    client = Http(base)
    resp = client.post("/api/v1/auth/login", {"identifier": identifier, "password": password})
    client.close()
    if resp.status != 200:
        raise SystemExit(f"login as {identifier} failed: {resp.status} {resp.body}")
    return resp.body["data"]["accessToken"]


def fetch_all(client: Http, path: str) -> list[dict]:
    sep = "&" if "?" in path else "?"
    resp = client.get(f"{path}{sep}limit=1000")
    if resp.status != 200:
        raise SystemExit(f"GET {path} failed: {resp.status} {resp.body}")
    return resp.body["data"]


@dataclass
class Fixtures:
    branches: dict[str, str]  # code -> id
    items: dict[str, str]  # sku -> id


# fallback demo inventory (docs/api.md §23 codes, SKUs and opening stock) when seed_demo is missing
DEMO_BRANCHES = ["WH-MAIN", "ST-DT", "BR-NORTH", "BR-SR"]
DEMO_SKUS = ["ELEC-LAP-001", "ELEC-MON-001", "ELEC-KEY-001", "ELEC-MOU-001", "FURN-DSK-001", "FURN-CHR-001",
             "FURN-CAB-001", "OFFC-PEN-001", "OFFC-NBK-001", "OFFC-PRT-001", "OFFC-STP-001", "CLTH-TSH-001",
             "CLTH-PLO-001", "CLTH-JAC-001"]  # fmt: skip
DEMO_STOCK = {"WH-MAIN": {"ELEC-LAP-001": 100, "ELEC-MON-001": 150, "ELEC-KEY-001": 200, "FURN-DSK-001": 80,
                          "OFFC-PEN-001": 500},
              "ST-DT": {"ELEC-LAP-001": 25, "ELEC-MON-001": 40, "FURN-CHR-001": 15, "CLTH-TSH-001": 100},
              "BR-NORTH": {"ELEC-LAP-001": 10, "ELEC-KEY-001": 20, "OFFC-NBK-001": 50, "CLTH-PLO-001": 30}}  # fmt: skip


def create_demo_inventory(client: Http) -> None:
    def made(resp: Response) -> str:
        if resp.status != 201:
            raise SystemExit(f"creating demo inventory through the API failed: {resp.status} {resp.body}")
        return resp.body["data"]["id"]

    branches = {c: made(client.post("/api/v1/inventory/branches", {"name": c, "code": c})) for c in DEMO_BRANCHES}
    items = {
        sku: made(client.post("/api/v1/inventory/items", {"sku": sku, "name": sku, "unitOfMeasure": "piece",
                                                         "unitPrice": "9.99"}))
        for sku in DEMO_SKUS
    }  # fmt: skip
    for code, rows in DEMO_STOCK.items():
        for sku, quantity in rows.items():
            made(client.post(MOVEMENTS, movement_body("IN", items[sku], branches[code], quantity, "opening")))


def fixtures(base: str, token: str) -> Fixtures:
    client = Http(base, token)
    if not fetch_all(client, "/api/v1/inventory/branches"):
        create_demo_inventory(client)
    branches = {b["code"]: b["id"] for b in fetch_all(client, "/api/v1/inventory/branches")}
    items = {i["sku"]: i["id"] for i in fetch_all(client, "/api/v1/inventory/items")}
    client.close()
    return Fixtures(branches, items)


def seeded_pairs(fx: Fixtures) -> list[tuple[str, str]]:
    """(item id, branch id) of the 13 seeded stock rows (docs/api.md §23)."""
    return [(fx.items[sku], fx.branches[code]) for code, rows in DEMO_STOCK.items() for sku in rows]


def movement_body(kind: str, item: str, branch: str, quantity: int = 1, note: str = "bench") -> dict:
    body = {"inventoryItemId": item, "movementType": kind, "quantity": quantity, "notes": note}
    body["toBranchId" if kind in ("IN", "RETURN") else "fromBranchId"] = branch
    return body


def prime_stock(base: str, token: str, pairs: list[tuple[str, str]], quantity: int) -> None:
    """IN ``quantity`` on each (item, branch) so that OUT of 1 never runs out during a run."""
    client = Http(base, token)
    for item, branch in pairs:
        resp = client.post(MOVEMENTS, movement_body("IN", item, branch, quantity, "bench priming"))
        if resp.status != 201:
            raise SystemExit(f"priming IN failed: {resp.status} {resp.body}")
    client.close()


# ---------------------------------------------------------------------------------------------
# closed-loop burst of movements with per-response records (fault tests)
# ---------------------------------------------------------------------------------------------
@dataclass
class Record:
    t: float  # start, seconds since the burst began
    elapsed: float
    status: int | None
    code: str | None
    movement_id: str | None
    error: str | None
    thread: int
    body: dict | None = None  # kept for non-2xx responses only


class Burst:
    """``threads`` clients POSTing IN/OUT of 1 on ``pairs`` until stopped (or ``max_seconds``)."""

    def __init__(self, base: str, token: str, pairs: list[tuple[str, str]], *, threads: int = 8,
                 max_seconds: float = 120, timeout: float = 30, reconnect_every: int = 0):  # fmt: skip
        self.base, self.token, self.pairs = base, token, pairs
        self.reconnect_every = reconnect_every  # > 0: a new connection every n requests (spreads workers)
        self.threads, self.max_seconds, self.timeout = threads, max_seconds, timeout
        self.records: list[Record] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self.t0 = 0.0

    def now(self) -> float:
        return time.monotonic() - self.t0

    def _run(self, index: int) -> None:
        rng = random.Random(index)
        client = Http(self.base, self.token, timeout=self.timeout)
        n = 0
        while not self._stop.is_set() and self.now() < self.max_seconds:
            item, branch = rng.choice(self.pairs)
            kind = "IN" if n % 2 == 0 else "OUT"
            n += 1
            start = self.now()
            resp = client.post(MOVEMENTS, movement_body(kind, item, branch, 1, f"burst t{index}"))
            mid = resp.body["data"]["id"] if resp.status == 201 and resp.body else None
            with self._lock:
                body = None if mid else resp.body
                self.records.append(Record(start, resp.elapsed, resp.status, resp.code, mid, resp.error, index, body))
            if resp.status is None:
                time.sleep(0.05)  # refused connection: do not spin
            elif self.reconnect_every and n % self.reconnect_every == 0:
                client.close()
        client.close()

    def start(self) -> Burst:
        self.t0 = time.monotonic()
        for i in range(self.threads):
            worker = threading.Thread(target=self._run, args=(i,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=self.timeout + 5)

    def ok_ids(self) -> set[str]:
        return {r.movement_id for r in self.records if r.movement_id}


def status_counts(records) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in records:
        key = str(r.status) if r.status is not None else f"conn:{r.error}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


# ---------------------------------------------------------------------------------------------
# statistics
# ---------------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def latency_summary(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99), "max_ms": max(ms, default=float("nan"))}


# ---------------------------------------------------------------------------------------------
# wrk with a mixed-workload Lua script
# ---------------------------------------------------------------------------------------------
LUA_TEMPLATE = r"""
-- generated by bench/harness.py: weighted random mix of prebuilt requests
local groups = %(groups)s
local total_weight = 0
for _, g in ipairs(groups) do total_weight = total_weight + g.weight end
local prepared = {}
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + tid)
  statuses = {}
  for gi, g in ipairs(groups) do
    prepared[gi] = {}
    for ri, r in ipairs(g.requests) do
      local headers = {["Authorization"] = "Bearer " .. g.token, ["Accept"] = "application/json"}
      if r.body then headers["Content-Type"] = "application/json" end
      prepared[gi][ri] = wrk.format(r.method, r.path, headers, r.body)
    end
  end
end

function request()
  local x = math.random() * total_weight
  for gi, g in ipairs(groups) do
    x = x - g.weight
    if x <= 0 or gi == #groups then
      local reqs = prepared[gi]
      return reqs[math.random(#reqs)]
    end
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s then for k, v in pairs(s) do merged[k] = (merged[k] or 0) + v end end
  end
  local parts = {}
  for k, v in pairs(merged) do table.insert(parts, k .. "=" .. v) end
  io.write("STATUSES " .. table.concat(parts, ",") .. "\n")
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua_script(groups: list[dict]) -> str:
    """``groups``: [{"name", "weight", "token", "requests": [{"method", "path", "body"?}]}]."""
    rendered = []
    for g in groups:
        reqs = []
        for r in g["requests"]:
            body = f", body = {_lua_string(json.dumps(r['body']))}" if r.get("body") is not None else ""
            reqs.append(f"{{method = {_lua_string(r['method'])}, path = {_lua_string(r['path'])}{body}}}")
        rendered.append(
            f"{{name = {_lua_string(g['name'])}, weight = {g['weight']}, token = {_lua_string(g['token'])}, "
            f"requests = {{{', '.join(reqs)}}}}}"
        )
    return LUA_TEMPLATE % {"groups": "{\n  " + ",\n  ".join(rendered) + "\n}"}


# ---------------------------------------------------------------------------------------------
# the mixed workload (shared by mixed_load.py and soak.py)
# ---------------------------------------------------------------------------------------------
MIX = {"reads": 70, "movements": 20, "profile": 10}


def mixed_groups(fx: Fixtures, token: str) -> tuple[list[dict], list[tuple[str, str]]]:
    """Request groups of the mixed workload and the (item, branch) rows its movements touch: every
    item at every branch, so writes spread over many rows (and create the rows that are missing)."""
    pairs = [(item, branch) for item in fx.items.values() for branch in fx.branches.values()]
    reads = [{"method": "GET", "path": "/api/v1/inventory/items?limit=20"}]
    reads += [{"method": "GET", "path": f"/api/v1/inventory/items/{item}"} for item in fx.items.values()]
    reads += [{"method": "GET", "path": f"/api/v1/inventory/stock-levels/branch/{b}"} for b in fx.branches.values()]
    reads += [{"method": "GET", "path": "/api/v1/inventory/stock-levels/low-stock"}]
    # equal shares of the four read kinds: repeat the single-URL kinds to balance the pool
    n_items, n_branches = len(fx.items), len(fx.branches)
    balanced = (
        [reads[0]] * (n_items * n_branches)
        + reads[1 : 1 + n_items] * n_branches
        + reads[1 + n_items : 1 + n_items + n_branches] * n_items
        + [reads[-1]] * (n_items * n_branches)
    )
    writes = [
        {"method": "POST", "path": MOVEMENTS, "body": movement_body(kind, item, branch, 1, "mixed load")}
        for item, branch in pairs
        for kind in ("IN", "OUT")
    ]
    profile = [{"method": "GET", "path": "/api/v1/admin/auth/profile"}]
    groups = [
        {"name": "reads", "weight": MIX["reads"], "token": token, "requests": balanced},
        {"name": "movements", "weight": MIX["movements"], "token": token, "requests": writes},
        {"name": "profile", "weight": MIX["profile"], "token": token, "requests": profile},
    ]
    return groups, pairs


def preflight(base: str, groups: list[dict]) -> list[str]:
    """Send each distinct request of the mix once with the stdlib client; return the failures."""
    failures = []
    for g in groups:
        client = Http(base, g["token"])
        seen = set()
        for r in g["requests"]:
            key = (r["method"], r["path"], json.dumps(r.get("body"), sort_keys=True))
            if key in seen:
                continue
            seen.add(key)
            resp = client.request(r["method"], r["path"], r.get("body"))
            if resp.status is None or not 200 <= resp.status < 300:
                failures.append(f"{r['method']} {r['path']} -> {resp.status} {resp.code} {resp.error or ''}")
        client.close()
    return failures


def write_lua(groups: list[dict], directory: Path | None = None) -> str:
    """The wrk script of ``groups`` in ``directory`` (a new temporary one by default); its path."""
    path = (directory or Path(tempfile.mkdtemp(prefix="natjoub-wrk-"))) / "mix.lua"
    path.write_text(lua_script(groups))
    return str(path)


def wrk_get(base: str, path: str, *, token: str | None, seconds: float, connections: int) -> dict:
    """wrk GETs of ``path`` (with the bearer token when given); errors = non-2xx + socket errors."""
    script = None
    if token:
        get = {"method": "GET", "path": path}
        script = write_lua([{"name": "get", "weight": 1, "token": token, "requests": [get]}])
    result = run_wrk(base + path, seconds=seconds, connections=connections, script=script)
    result.pop("raw")
    return {**result, "errors": result["non_2xx"] + result["socket_errors"]}


def prepare_mixed(srv, prefix: str) -> tuple[str | None, list[tuple[str, str]]]:
    """Log in, load the demo fixtures, prime stock, preflight every request of the mix and write
    the wrk script. Returns (the script's path or None after printing why preflight failed, the
    item x branch pairs the movements use)."""
    token = login(srv.base)
    groups, pairs = mixed_groups(fixtures(srv.base, token), token)
    prime_stock(srv.base, token, pairs, 1_000_000)
    failures = preflight(srv.base, groups)
    if failures:
        print("preflight failures:\n  " + "\n  ".join(failures))
        return None, pairs
    return write_lua(groups, Path(tempfile.mkdtemp(prefix=prefix))), pairs


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------
def write_results(name: str, markdown: str, data: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.md").write_text(markdown.rstrip() + "\n")
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2, default=_jsonable) + "\n")


def _jsonable(value):
    if isinstance(value, Record):
        return asdict(value)
    if isinstance(value, set):
        return sorted(value)
    if isinstance(value, Path):
        return str(value)
    return str(value)


def fmt(value, digits: int = 1) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:.{digits}f}"
    return str(value)


def md_table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    head = "| " + " | ".join(title for _, title in columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    body = ["| " + " | ".join(fmt(row.get(key, "")) for key, _ in columns) + " |" for row in rows]
    return "\n".join([head, rule, *body])
