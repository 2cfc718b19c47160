"""Under a read-heavy burst, the replicas run at least 80 % of the read transactions, measured on
the servers (``pg_stat_database.xact_commit`` deltas)."""

from __future__ import annotations

import random
import time
import uuid

from tests.cluster.client import Client, run_load
from tests.cluster.conftest import xact_commits

# Backends report their counters when idle for up to 10 s (PostgreSQL's pgstat idle interval).
STATS_FLUSH_SECONDS = 11
READ_PATHS = [
    "/api/v1/inventory/items",
    "/api/v1/inventory/branches",
    "/api/v1/inventory/stock-levels/low-stock",
    "/api/v1/inventory/categories",
    "/api/v1/inventory/movements",
]


def test_replicas_run_at_least_80_percent_of_read_transactions(cluster, admin):
    servers = [cluster.postgres.primary, *cluster.postgres.replicas]
    time.sleep(STATS_FLUSH_SECONDS)
    before = [xact_commits(server) for server in servers]
    readers = [Client(cluster.port, token=admin.token) for _ in range(4)]
    writer = Client(cluster.port, token=admin.token)

    def read_heavy(index: int) -> int:
        if index == 0 and random.random() < 0.05:
            code = f"MIX-{uuid.uuid4().hex[:10]}"
            return writer.post("/api/v1/inventory/branches", {"name": code, "code": code}).status
        return readers[index].get(random.choice(READ_PATHS)).status

    counts = run_load(read_heavy, threads=4, seconds=15)
    time.sleep(STATS_FLUSH_SECONDS)
    after = [xact_commits(server) for server in servers]

    assert set(counts) <= {200, 201}, counts
    primary, *replicas = [b - a for a, b in zip(before, after, strict=True)]
    share = sum(replicas) / (sum(replicas) + primary)
    print(f"\nread burst: {dict(counts)}; transactions primary {primary}, replicas {replicas}: {share:.1%} on replicas")  # noqa: T201
    assert all(delta > 0 for delta in replicas), "a replica served nothing"
    assert share >= 0.80
