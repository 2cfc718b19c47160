"""NatJoub against a peer written the stock way (bench/peer/): the same three endpoints, same run.

    .venv/bin/python bench/peer_bench.py [--seconds 10] [--rounds 2] [--connections 8] [--items 100000]
                                         [--reuse-db]

1. Two databases on the same PostgreSQL server: ``natjoub_bench_peer`` (NatJoub: migrated,
   ``seed_demo``, then the inventory benchmark's generated data: ``--items`` items x 10 branches,
   each stock row with its opening movement) and ``natjoub_bench_peer_stock`` (the peer: its own
   migrations and the same generated rows in its own tables). Both are ``VACUUM (ANALYZE)``-ed.
2. Two servers with the same granian settings (``bench.harness.Server``: 2 workers x 4 blocking
   threads, production settings for NatJoub, DEBUG off for the peer).
3. For each endpoint, ``--rounds`` rounds alternating NatJoub and the peer, wrk with
   ``--connections`` connections for ``--seconds`` each: the bearer-authenticated profile GET, the
   items page of 100 (of ``--items``), the movement POST (IN or OUT of 1 at random on 2,000 stock
   rows with 1,000,000+ units, so none runs out).

Reports req/s (movements: 201/s), p50/p99 and the ratio NatJoub / peer per endpoint (goal >= 1.5,
issue 21) to bench/results/peer.md and peer.json. ``--reuse-db`` keeps both databases' data. Short
runs (``--items 2000 --seconds 2 --rounds 1``) only prove the script works.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, run_wrk
from bench.harness import (
    PY,
    Server,
    app_env,
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
from bench.inventory_bench import BRANCHES, GENERATE, settle

NATJOUB_DB, PEER_DB = "natjoub_bench_peer", "natjoub_bench_peer_stock"
ROWS = 2_000  # stock rows the movements spread over
PEER_SECRET = "peer-bench-signing-key-" + "x" * 32
PEER_USER = ("bench", "bench@example.com", "bench-password-1")

PEER_GENERATE = [
    """
    INSERT INTO shop_branch (id, name, code, city, country, is_active, created_at, updated_at)
    SELECT gen_random_uuid(), 'Bench branch ' || g, 'BENCH-' || g, 'Bench City', 'Cambodia', true, now(), now()
    FROM generate_series(1, %(branches)s) g
    """,
    """
    INSERT INTO shop_item (id, sku, name, description, unit_of_measure, unit_price, reorder_level, reorder_quantity,
                           barcode, is_active, created_at, updated_at)
    SELECT gen_random_uuid(), 'BENCH-' || lpad(g::text, 6, '0'), 'Bench item ' || md5(g::text), 'generated',
           'piece', (g %% 1000) + 0.99, 10, 50, '99' || lpad(g::text, 10, '0'), true,
           now() - (g || ' seconds')::interval, now()
    FROM generate_series(1, %(items)s) g
    """,
    """
    CREATE TEMP TABLE bench_items AS SELECT id, row_number() OVER (ORDER BY sku) AS n FROM shop_item
    """,
    """
    CREATE TEMP TABLE bench_branches AS SELECT id, row_number() OVER (ORDER BY code) AS n FROM shop_branch
    """,
    """
    INSERT INTO shop_stocklevel (id, item_id, branch_id, quantity, reserved_quantity, updated_at)
    SELECT gen_random_uuid(), i.id, b.id,
           CASE WHEN (i.n * 31 + b.n) %% 1000 = 0 THEN 5 ELSE 1000000 + (i.n %% 1000) END, 0, now()
    FROM bench_items i CROSS JOIN bench_branches b
    """,
    """
    INSERT INTO shop_movement (id, item_id, from_branch_id, to_branch_id, movement_type, quantity, notes, created_at)
    SELECT gen_random_uuid(), s.item_id, NULL, s.branch_id, 'IN', s.quantity, 'Opening balance', now()
    FROM shop_stocklevel s
    """,
]  # fmt: skip

PEER_TOKEN = """
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.tokens import AccessToken
User = get_user_model()
user = User.objects.filter(username=%(username)r).first() or User.objects.create_user(
    %(username)r, %(email)r, %(password)r, first_name="Bench", last_name="User")
print(AccessToken.for_user(user))
"""


class PeerServer(Server):
    APP = "bench.peer.wsgi:application"


def peer_env(url: str) -> dict[str, str]:
    return {"DJANGO_SETTINGS_MODULE": "bench.peer.settings", "PEER_DATABASE_URL": url, "PEER_SECRET_KEY": PEER_SECRET}


def peer_django(url: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    done = subprocess.run([PY, "-m", "django", *args], cwd=ROOT, env=app_env(url, **peer_env(url)),
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"peer: django {' '.join(args[:1])} failed:\n{done.stdout}\n{done.stderr}")
    return done


def count(url: str, table: str) -> int:
    try:
        with psycopg.connect(url) as conn:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except psycopg.Error:
        return -1


def prepare_natjoub(uri: str, items: int, reuse: bool) -> str:
    url = with_dbname(uri, NATJOUB_DB)
    if reuse and count(url, "inventory_schema.inventory_items") >= items:
        manage(url, "migrate", "--noinput", "-v", "0")
        return url
    recreate_database(uri, NATJOUB_DB)
    prepare_database(url)
    with psycopg.connect(url) as conn:
        for sql in GENERATE:
            conn.execute(sql, {"branches": BRANCHES, "items": items, "rows": 4 + ROWS})
        conn.commit()
    settle(url)
    return url


def prepare_peer(uri: str, items: int, reuse: bool) -> str:
    url = with_dbname(uri, PEER_DB)
    if not (reuse and count(url, "shop_item") >= items):
        recreate_database(uri, PEER_DB)
        peer_django(url, "migrate", "--noinput", "-v", "0")
        with psycopg.connect(url) as conn:
            for sql in PEER_GENERATE:
                conn.execute(sql, {"branches": BRANCHES, "items": items})
            conn.commit()
        settle(url)
    return url


def natjoub_rows(url: str) -> list[tuple[str, str]]:
    """The inventory benchmark's cold rows (n > 4 in public.bench_rows: 1,000,000+ units)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT item_id, branch_id FROM public.bench_rows WHERE n > 4 ORDER BY n").fetchall()
    return [(str(i), str(b)) for i, b in rows]


def peer_rows(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT item_id, branch_id FROM shop_stocklevel WHERE quantity >= 1000000 ORDER BY id LIMIT %s", [ROWS]
        ).fetchall()
    return [(str(i), str(b)) for i, b in rows]


def peer_body(kind: str, item: str, branch: str) -> dict:
    body = {"item": item, "movement_type": kind, "quantity": 1, "notes": "bench"}
    body["to_branch" if kind == "IN" else "from_branch"] = branch
    return body


def post_script(path: str, token: str, bodies: list[dict]) -> str:
    requests = [{"method": "POST", "path": path, "body": body} for body in bodies]
    return write_lua([{"name": "movements", "weight": 1, "token": token, "requests": requests}])


def post(base: str, path: str, script: str, seconds: float, connections: int) -> dict:
    result = run_wrk(base + path, seconds=seconds, connections=connections, script=script)
    result.pop("raw", None)
    created = result["statuses"].get("201", 0)
    errors = result["requests"] - created + result["socket_errors"]
    return {**result, "rps": result["rps"] * created / max(1, result["requests"]), "errors": errors}


def combine(runs: list[dict]) -> dict:
    """Rounds of one side: mean req/s, median p50, worst p99, all errors."""
    return {
        "rps": statistics.fmean(r["rps"] for r in runs),
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p99_ms": max(r["p99_ms"] for r in runs),
        "requests": sum(r["requests"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "rounds_rps": [round(r["rps"], 1) for r in runs],
    }


def preflight(label: str, base: str, path: str, token: str, method: str = "GET", body: dict | None = None) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    conn.request(method, path, body=data, headers=headers)
    resp = conn.getresponse()
    payload = resp.read()
    conn.close()
    if not 200 <= resp.status < 300:
        raise SystemExit(f"{label}: {method} {path} -> {resp.status} {payload[:300]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--reuse-db", action="store_true", help="keep the generated data of an earlier run")
    args = parser.parse_args()
    started = time.monotonic()

    uri = server_uri()
    nj_url = prepare_natjoub(uri, args.items, args.reuse_db)
    peer_url = prepare_peer(uri, args.items, args.reuse_db)
    peer_token = peer_django(peer_url, "shell", "-c", PEER_TOKEN % dict(zip(("username", "email", "password"),
                                                                            PEER_USER, strict=True)))  # fmt: skip
    peer_token = peer_token.stdout.strip().splitlines()[-1]
    facts = machine(nj_url)
    prepared = time.monotonic() - started

    with Server(nj_url) as nj, PeerServer(peer_url, env=peer_env(peer_url)) as peer:
        nj_token = login(nj.base)
        nj_pairs, p_pairs = natjoub_rows(nj_url), peer_rows(peer_url)
        nj_bodies = [movement_body(k, i, b, 1, "bench") for i, b in nj_pairs for k in ("IN", "OUT")]
        p_bodies = [peer_body(k, i, b) for i, b in p_pairs for k in ("IN", "OUT")]
        nj_moves = "/api/v1/inventory/movements"
        nj_script = post_script(nj_moves, nj_token, nj_bodies)
        peer_script = post_script("/api/movements/", peer_token, p_bodies)
        sides = {
            "profile GET": (
                lambda s: wrk_get(nj.base, "/api/v1/admin/auth/profile", token=nj_token, seconds=s,
                                  connections=args.connections),
                lambda s: wrk_get(peer.base, "/api/profile/", token=peer_token, seconds=s,
                                  connections=args.connections),
            ),
            "items page of 100": (
                lambda s: wrk_get(nj.base, "/api/v1/inventory/items?limit=100", token=nj_token, seconds=s,
                                  connections=args.connections),
                lambda s: wrk_get(peer.base, "/api/items/?limit=100", token=peer_token, seconds=s,
                                  connections=args.connections),
            ),
            "movement POST": (
                lambda s: post(nj.base, nj_moves, nj_script, s, args.connections),
                lambda s: post(peer.base, "/api/movements/", peer_script, s, args.connections),
            ),
        }  # fmt: skip
        preflight("NatJoub", nj.base, "/api/v1/admin/auth/profile", nj_token)
        preflight("NatJoub", nj.base, "/api/v1/inventory/items?limit=100", nj_token)
        preflight("NatJoub", nj.base, nj_moves, nj_token, "POST", nj_bodies[0])
        preflight("peer", peer.base, "/api/profile/", peer_token)
        preflight("peer", peer.base, "/api/items/?limit=100", peer_token)
        preflight("peer", peer.base, "/api/movements/", peer_token, "POST", p_bodies[0])
        results = {}
        for name, (ours, theirs) in sides.items():
            ours(min(2, args.seconds)), theirs(min(2, args.seconds))  # warm-up: pools, caches
            runs = {"NatJoub": [], "peer": []}
            for _ in range(args.rounds):
                runs["NatJoub"].append(ours(args.seconds))
                runs["peer"].append(theirs(args.seconds))
            results[name] = {side: combine(r) for side, r in runs.items()}

    rows, ratios = [], {}
    for name, sides_result in results.items():
        ratio = sides_result["NatJoub"]["rps"] / max(sides_result["peer"]["rps"], 1e-9)
        label = f"NatJoub / peer, {name}"
        ratios[label] = ratio
        total = max(1, sides_result["NatJoub"]["requests"])
        rows.append({"scenario": f"NatJoub: {name}", **sides_result["NatJoub"], "ratio": ratio, "ratio_label": label,
                     "error_rate": sides_result["NatJoub"]["errors"] / total})  # fmt: skip
        total = max(1, sides_result["peer"]["requests"])
        rows.append({"scenario": f"peer: {name}", **sides_result["peer"],
                     "error_rate": sides_result["peer"]["errors"] / total})  # fmt: skip
    columns = [("scenario", "scenario"), ("rps", "req/s (POST: 201/s)"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"),
               ("error_rate", "error rate"), ("rounds_rps", "req/s per round")]  # fmt: skip
    short = args.items < 100_000 or args.seconds < 10 or args.rounds < 2
    lines = [
        "# NatJoub vs a stock DRF peer (bench/peer/)",
        "",
        machine_line(facts),
        f"Both servers: granian, 2 workers x 4 blocking threads. wrk, {args.connections} connections, "
        f"{args.seconds:g} s per round, {args.rounds} round(s) per side alternating, after a warm-up. Data: "
        f"{args.items:,} items x {BRANCHES} branches of stock in each database; movements on {ROWS:,} rows. "
        f"Preparation took {prepared:.0f} s.",
        *(["", "**Short run (smoke test of the script): not a result.**"] if short else []),
        "",
        md_table(rows, columns),
        "",
        *(f"Ratio {label}: **{value:.2f}** (goal >= 1.5)" for label, value in ratios.items()),
        "",
        "What each side does per request, and the choices that favour either side: bench/peer/README.md.",
    ]
    report = "\n".join(lines)
    write_results("peer", report, {"benchmark": "peer", "machine": facts, "seconds": args.seconds,
                                   "rounds": args.rounds, "items": args.items, "short_run": short,
                                   "scenarios": rows, "ratios": ratios})  # fmt: skip
    print(report)


if __name__ == "__main__":
    main()
