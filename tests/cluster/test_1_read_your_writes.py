"""Read-your-writes through the load balancer (docs/api.md §32): a POST and the GET right after
it, on different nodes most of the time, never answer a stale read."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from tests.cluster.client import Client

PAIRS = 500
CALLERS = 4  # each its own user token and client address, in parallel


def test_500_write_then_read_pairs_alternating_nodes_see_no_stale_read(cluster, admin):
    callers = [Client(cluster.port, token=admin.token) for _ in range(CALLERS)]

    def pairs(caller: Client) -> list[tuple[int, int, bool]]:
        results = []
        for _ in range(PAIRS // CALLERS):
            code = f"RYW-{uuid.uuid4().hex[:12]}"
            created = caller.post("/api/v1/inventory/branches", {"name": f"Branch {code}", "code": code})
            assert created.status == 201, created.body
            read = caller.get(f"/api/v1/inventory/branches/{created.data['id']}")
            results.append((created.status, read.status, created.node != read.node))
        return results

    with ThreadPoolExecutor(max_workers=CALLERS) as pool:
        results = [row for rows in pool.map(pairs, callers) for row in rows]

    assert len(results) == PAIRS
    stale = [read for _, read, _ in results if read != 200]
    assert stale == [], f"{len(stale)} stale reads of {PAIRS}"
    across_nodes = sum(other_node for *_, other_node in results)
    assert across_nodes >= PAIRS // 2, f"only {across_nodes} pairs were read on another node than they were written"
    print(f"\n{PAIRS} write-then-read pairs: 0 stale reads; {across_nodes} read on another node")  # noqa: T201
