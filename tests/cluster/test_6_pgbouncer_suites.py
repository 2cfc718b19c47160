"""The inventory and auth test suites pass with ``DATABASE_URL`` pointing at PgBouncer in
transaction mode (docs/api.md §32 ``DATABASE_TRANSACTION_POOLING``): no server-side cursor, no
prepared statement, no session setting outlives a transaction."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import psycopg

from natjoub.cluster.topology import PROJECT_ROOT

TEST_DATABASE = "test_natjoub_pgbouncer"


def test_inventory_and_auth_suites_pass_through_pgbouncer(cluster):
    env = {k: v for k, v in os.environ.items() if k != "NATJOUB_EMBEDDED_DB_URI" and not k.startswith("DATABASE_")}
    env.update(
        {
            "DATABASE_URL": cluster.pgbouncer.url(),
            "DATABASE_TRANSACTION_POOLING": "true",
            "DATABASE_TEST_NAME": TEST_DATABASE,
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/inventory_app", "tests/auth_app", "-q", "-x", "--create-db",
         "-p", "no:randomly", "-W", "ignore"],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False, timeout=1500,
    )  # fmt: skip
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-2000:]
    print(f"\nthrough PgBouncer: {summary}")  # noqa: T201
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert re.search(r"\d+ passed", summary)
    assert "failed" not in summary
    # They really went through PgBouncer: its own statistics for the suites' test database.
    with psycopg.connect(cluster.pgbouncer.url("pgbouncer"), autocommit=True, prepare_threshold=None) as admin:
        cursor = admin.cursor()
        cursor.execute("SHOW STATS")
        columns = [column.name for column in cursor.description]
        stats = {row[columns.index("database")]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
    transactions = int(stats[TEST_DATABASE]["total_xact_count"])
    print(f"PgBouncer pooled {transactions} transactions of {TEST_DATABASE}")  # noqa: T201
    assert transactions > 1000
    assert "error" not in summary
