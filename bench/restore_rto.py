"""Restore time (RTO) of the 10,000,000-movement ledger (docs/operations.md "RPO and RTO").

    .venv/bin/python bench/restore_rto.py [--movements 10000000] [--after 1000000] [--root DIR]

Not run by CI. The drill of docs/operations.md, timed, on a server of its own:

1. An embedded PostgreSQL in ``DIR/pgdata`` (a temporary folder by default), the app's database
   migrated and seeded, and ``bench/ledger_scale.py``'s ledger loaded with COPY (``--movements``).
2. The WAL receiver (``manage.py backup --stream``) and a base backup (``manage.py backup``:
   pg_basebackup + pg_verifybackup), timed.
3. ``--after`` more movements written after the backup (100 per stock row, alternating OUT/IN of
   1, so the stock rows stay equal to the ledger): the WAL a restore must replay on top of the base
   backup, as a day of traffic after the nightly backup would be. The receiver is then stopped
   once it has flushed everything the server wrote.
4. ``manage.py restore --target DIR/restored`` (Barman's recover: rsync of the base backup, the WAL,
   the receiver's unfinished segment), timed; then the first start of the restored directory,
   which replays the WAL and promotes (``EmbeddedServer.start`` returns at the end of the replay),
   timed. RTO = restore + start.
5. Checks on the restored server: every movement is there (``--movements`` + ``--after``), and
   ``reconcile_stock`` reports no drift (timed, not part of the RTO).

Writes bench/results/restore_rto.md and .json; removes its folder unless ``--keep``.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import free_port
from bench.harness import (
    PY,
    ROOT,
    app_env,
    machine,
    machine_line,
    md_table,
    prepare_database,
    recreate_database,
    with_dbname,
    write_results,
)
from bench.ledger_scale import BRANCHES, ITEMS, MOVEMENTS_TABLE, load, timed_reconcile

DBNAME = "natjoub_rto"
PER_ROW_AFTER_STEP = 100_000  # movements per INSERT after the backup (one transaction each)


def _env(url: str, backup_dir: Path) -> dict[str, str]:
    return app_env(url, BACKUP_DIR=str(backup_dir), BACKUP_STREAMING="false")


def _manage(env: dict[str, str], *args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.monotonic()
    done = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=7200, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return time.monotonic() - started, done


def _write_after(url: str, movements: int, first_k: int) -> float:
    """``movements`` more, continuing each stock row's alternation after its ``first_k`` movements
    (k odd: OUT of 1, balance 999; k even: IN of 1, balance 1000), after the loaded ledger's last one
    (which is at the time of the load) in the ledger's order."""
    rows = ITEMS * BRANCHES
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        for chunk in range(0, movements, PER_ROW_AFTER_STEP):
            size = min(PER_ROW_AFTER_STEP, movements - chunk)
            conn.execute(
                f"""
                WITH pairs AS (
                    SELECT row_number() OVER (ORDER BY i.sku, b.code) - 1 AS slot, i.id AS item, b.id AS branch
                    FROM inventory_schema.inventory_items i CROSS JOIN inventory_schema.branches b
                    WHERE i.sku LIKE 'LEDGER-%%' AND b.code LIKE 'LEDGER-%%'
                ), n AS (SELECT generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i)
                INSERT INTO {MOVEMENTS_TABLE} (id, inventory_item_id, from_branch_id, to_branch_id, movement_type,
                    quantity, reference_number, created_at, from_balance_after, to_balance_after)
                SELECT gen_random_uuid(), p.item,
                       CASE WHEN k %% 2 = 1 THEN p.branch END, CASE WHEN k %% 2 = 0 THEN p.branch END,
                       CASE WHEN k %% 2 = 1 THEN 'OUT' ELSE 'IN' END, 1, 'LEDGER-AFTER',
                       now() + n.i * interval '1 microsecond',
                       CASE WHEN k %% 2 = 1 THEN 999 END, CASE WHEN k %% 2 = 0 THEN 1000 END
                FROM n CROSS JOIN LATERAL (
                    SELECT %(first_k)s::bigint + n.i / %(rows)s::bigint AS k, n.i %% %(rows)s::bigint AS slot
                ) s
                JOIN pairs p ON p.slot = s.slot
                """,
                {"lo": chunk, "hi": chunk + size - 1, "first_k": first_k, "rows": rows},
            )
    return time.monotonic() - started


def _receiver_caught_up(url: str, timeout: float = 600) -> float:
    """Seconds until the receiver has written the server's current WAL position (it fsyncs only at the
    end of a segment unless synchronous; restore reads the files, written is enough)."""
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        while time.monotonic() - started < timeout:
            row = conn.execute(
                "SELECT write_lsn >= %s::pg_lsn FROM pg_stat_replication WHERE application_name = 'barman_receive_wal'",
                [target],
            ).fetchone()
            if row and row[0]:
                return time.monotonic() - started
            time.sleep(0.5)
    raise SystemExit("the WAL receiver did not catch up")


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--movements", type=int, default=10_000_000)
    parser.add_argument("--after", type=int, default=1_000_000)
    parser.add_argument("--root", type=Path)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if args.movements % (2 * ITEMS * BRANCHES) or args.after % (2 * ITEMS * BRANCHES):
        # an even number per stock row: each row's later OUT/IN pairs leave it where it was
        raise SystemExit(f"--movements and --after must be multiples of {2 * ITEMS * BRANCHES}")

    from natjoub.db.embedded import EmbeddedServer

    root = args.root or Path(tempfile.mkdtemp(prefix="natjoub-rto-"))
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)  # the embedded server runs as its own system user when we are root
    backup_dir = root / "backups"
    server = EmbeddedServer(root / "pgdata", port=free_port())
    restored = EmbeddedServer(root / "restored", port=free_port())
    receiver = None
    figures: dict = {"movements": args.movements, "after": args.after}
    try:
        server.ensure_running()
        url = recreate_database(server.uri(), DBNAME)
        prepare_database(url)
        figures["load"] = load(url, args.movements)
        env = _env(url, backup_dir)
        receiver = subprocess.Popen(
            [PY, "manage.py", "backup", "--stream"], cwd=ROOT, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(3)
        figures["backup_s"], done = _manage(env, "backup")
        figures["backup_output"] = done.stdout.strip()[-400:]
        with psycopg.connect(url) as conn:
            figures["database_bytes"] = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        figures["after_s"] = _write_after(url, args.after, args.movements // (ITEMS * BRANCHES))
        figures["receiver_catch_up_s"] = _receiver_caught_up(url)
        receiver.send_signal(signal.SIGTERM)
        receiver.wait(60)
        receiver = None
        server.stop()
        figures["backup_dir_bytes"] = _size(backup_dir)

        figures["restore_s"], done = _manage(env, "restore", "--target", str(restored.data_dir))
        figures["restore_output"] = done.stdout.strip()[-400:]
        started = time.monotonic()
        restored.start()
        figures["start_s"] = time.monotonic() - started
        figures["rto_s"] = figures["restore_s"] + figures["start_s"]
        restored_url = with_dbname(restored.uri(), DBNAME)
        with psycopg.connect(restored_url) as conn:
            figures["restored_movements"] = conn.execute(
                f"SELECT count(*) FROM {MOVEMENTS_TABLE} WHERE reference_number LIKE 'LEDGER%%'"
            ).fetchone()[0]
        figures["complete"] = figures["restored_movements"] == args.movements + args.after
        figures["reconcile"] = timed_reconcile(restored_url)
        facts = machine(restored_url)
    finally:
        if receiver is not None:
            receiver.kill()
        restored.stop(mode="immediate")
        server.stop(mode="immediate")
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    gib = 1024**3
    rows = [
        {"step": "load the ledger (COPY, VACUUM ANALYZE, CHECKPOINT)", "seconds": figures["load"]["total_s"]},
        {"step": "base backup (pg_basebackup + pg_verifybackup)", "seconds": round(figures["backup_s"], 1)},
        {"step": f"{args.after:,} movements after the backup", "seconds": round(figures["after_s"], 1)},
        {"step": "**restore** (barman recover: rsync + WAL)", "seconds": round(figures["restore_s"], 1)},
        {"step": "**first start** (WAL replay, promotion)", "seconds": round(figures["start_s"], 1)},
        {"step": "**RTO** (restore + first start)", "seconds": round(figures["rto_s"], 1)},
        {"step": "reconcile_stock on the restored server", "seconds": round(figures["reconcile"]["seconds"], 1)},
    ]
    markdown = "\n".join(
        [
            "# Restore time of the 10,000,000-movement ledger (bench/restore_rto.py)",
            "",
            machine_line(facts),
            "",
            f"Database {figures['database_bytes'] / gib:.2f} GiB at the backup "
            f"({args.movements:,} ledger movements plus the demo data); backup directory "
            f"{figures['backup_dir_bytes'] / gib:.2f} GiB after the {args.after:,} later movements.",
            "",
            md_table(rows, [("step", "step"), ("seconds", "seconds")]),
            "",
            f"Restored movements: {figures['restored_movements']:,} of {args.movements + args.after:,} "
            f"({'all' if figures['complete'] else 'MISSING SOME'}); reconcile_stock exit "
            f"{figures['reconcile']['exit']}: {figures['reconcile']['output'][-120:]}",
        ]
    )
    write_results("restore_rto", markdown, {"machine": facts, **figures})
    print(markdown)
    if not figures["complete"] or figures["reconcile"]["exit"] != 0:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
