"""Rate-limit buckets shared by the three nodes (docs/api.md §29.1): exact with Valkey and with
the PostgreSQL default; with Valkey gone, requests are still served (fail open), an error is
logged and ``natjoub_rate_limit_backend_errors_total`` counts it.

The last test restarts the nodes without ``REDIS_URL`` (the PostgreSQL cache table) and sends
its burst to each node directly (4 each, at once): right after a restart of every node, HAProxy
twice routed such a burst to only two of the three (CI runs of stop 15 and 16, not diagnosed; the
balancer's state is printed with each burst). What this test proves is the shared bucket, not the
balancing, which the Valkey variant and tests/cluster/test_1 exercise."""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from natjoub.cluster.valkey import Valkey
from tests.cluster.client import Client, fresh_address

AUTH_LIMIT = 5
PARALLEL = 12
METRIC = "natjoub_rate_limit_backend_errors_total"


def burst_of_auth_requests(cluster, *, direct: bool = False) -> tuple[Counter, Counter]:
    """12 parallel sign-ins (each a different unknown account) from one client address, through
    HAProxy or (``direct``) spread over the nodes' own ports."""
    source = fresh_address()
    print(f"\nHAProxy before the burst: {cluster.haproxy.server_states()}")  # noqa: T201
    targets = [(node.port, node.name) for node in cluster.nodes] if direct else [(cluster.port, None)]

    def sign_in(n):
        port, name = targets[n % len(targets)]
        body = {"identifier": f"nobody-{uuid.uuid4().hex[:8]}@example.com", "password": "wrong-password"}
        response = Client(port, source=source).post("/api/v1/auth/login", body)
        return response.status, name or response.node

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        answers = list(pool.map(sign_in, range(PARALLEL)))
    return Counter(status for status, _ in answers), Counter(node for _, node in answers)


def backend_errors(cluster) -> float:
    total = 0.0
    for node in cluster.nodes:
        with urllib.request.urlopen(f"{node.url}/metrics", timeout=10) as response:  # noqa: S310 - our node
            for line in response.read().decode().splitlines():
                if line.startswith(METRIC):
                    total += float(line.rsplit(" ", 1)[1])
    return total


def error_lines(cluster, offsets: dict[str, int]) -> list[dict]:
    """JSON log records at level ERROR written by the nodes since ``offsets``."""
    records = []
    for node in cluster.nodes:
        with open(node.child.log_file, "rb") as fh:
            fh.seek(offsets.get(node.name, 0))
            for raw in fh.read().decode(errors="replace").splitlines():
                try:
                    record = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(record, dict) and record.get("level") == "ERROR":
                    records.append(record)
    return records


def test_auth_bucket_is_exact_across_the_nodes_with_valkey(cluster):
    statuses, nodes = burst_of_auth_requests(cluster)
    print(f"\nValkey: {dict(statuses)} over {dict(nodes)}")  # noqa: T201
    assert len(nodes) == len(cluster.nodes), "the burst did not reach every node"
    assert statuses[429] == PARALLEL - AUTH_LIMIT
    assert sum(n for status, n in statuses.items() if status != 429) == AUTH_LIMIT
    assert all(status < 500 for status in statuses)


def test_valkey_killed_requests_are_still_served_and_the_error_is_counted(cluster, admin):
    offsets = {node.name: node.child.log_file.stat().st_size for node in cluster.nodes}
    errors_before = backend_errors(cluster)
    cluster.valkey.kill()
    try:
        reader = Client(cluster.port, token=admin.token)
        reads = Counter(reader.get("/api/v1/inventory/branches").status for _ in range(9))
        statuses, _ = burst_of_auth_requests(cluster)
        print(f"\nValkey down: reads {dict(reads)}, sign-ins {dict(statuses)}")  # noqa: T201
        assert reads == Counter({200: 9})
        assert statuses == Counter({401: PARALLEL}), "fail open: nothing refused because of the cache"
        assert backend_errors(cluster) > errors_before
        assert error_lines(cluster, offsets), "no error was logged"
    finally:
        cluster.valkey = Valkey(cluster.valkey.directory, port=cluster.valkey.port, password=cluster.valkey.password)
        cluster.valkey.start()


def test_auth_bucket_is_exact_across_the_nodes_with_the_postgresql_default(cluster):
    cluster.restart_nodes({**cluster.app_settings, "REDIS_URL": None})
    statuses, nodes = burst_of_auth_requests(cluster, direct=True)
    print(f"\nPostgreSQL cache: {dict(statuses)} over {dict(nodes)}")  # noqa: T201
    assert len(nodes) == len(cluster.nodes)
    assert statuses[429] == PARALLEL - AUTH_LIMIT
    assert all(status < 500 for status in statuses)
