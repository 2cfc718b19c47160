"""``kill -9`` of one app node under write load: HAProxy routes around it, every acknowledged 201
is in the ledger exactly once, and ``reconcile_stock`` finds no drift.

Each writer sends every movement with its own ``Idempotency-Key`` and, when the answer is lost
(the node died with the request in flight: 502, or a dropped connection), sends it again with the
same key until it is acknowledged: a movement is recorded once whatever node took it.
"""

from __future__ import annotations

import http.client
import threading
import time
import uuid
from collections import Counter

from tests.cluster.client import Client
from tests.cluster.conftest import connect, manage, wait_for

WRITERS = 4
SECONDS = 14
KILL_AFTER = 4


def _ids(cluster) -> tuple[str, str]:
    with connect(cluster.postgres.primary) as conn:
        item = conn.execute("SELECT id FROM inventory_schema.inventory_items WHERE sku = 'OFFC-NBK-001'").fetchone()[0]
        branch = conn.execute("SELECT id FROM inventory_schema.branches WHERE code = 'BR-SR'").fetchone()[0]
    return str(item), str(branch)


def test_kill_9_of_a_node_under_write_load_loses_no_acknowledged_movement(cluster, admin):
    item_id, branch_id = _ids(cluster)
    reference = f"CRASH-{uuid.uuid4().hex[:8]}"
    acknowledged: dict[str, str] = {}  # idempotency key -> movement id
    first_answers: Counter = Counter()
    unexpected: list = []
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS

    def writer(index: int) -> None:
        client = Client(cluster.port, token=admin.token)
        while time.monotonic() < stop_at:
            key = f"{reference}-{index}-{uuid.uuid4().hex}"
            body = {
                "inventoryItemId": item_id, "movementType": "IN", "quantity": 1,
                "toBranchId": branch_id, "referenceNumber": reference,
            }  # fmt: skip
            for attempt in range(20):
                try:
                    response = client.post("/api/v1/inventory/movements", body, headers={"Idempotency-Key": key})
                    outcome = response.status
                except (OSError, http.client.HTTPException) as exc:
                    response, outcome = None, type(exc).__name__
                if attempt == 0:
                    with lock:
                        first_answers[outcome] += 1
                if response is not None and response.status == 201:
                    with lock:
                        acknowledged[key] = response.data["id"]
                    break
                if not (outcome in (502, 503, 504) or isinstance(outcome, str)):
                    with lock:
                        unexpected.append((outcome, response.body))
                    return
                time.sleep(0.2)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    time.sleep(KILL_AFTER)
    victim = cluster.nodes[1]
    victim.kill()  # SIGKILL: serve, granian and its workers at once
    killed_at = time.monotonic()
    wait_for(lambda: cluster.haproxy.server_states().get(victim.name) == "DOWN", timeout=10, what="HAProxy noticing")
    noticed_after = time.monotonic() - killed_at
    for thread in threads:
        thread.join()

    with connect(cluster.postgres.primary) as conn:
        recorded = conn.execute(
            "SELECT id::text FROM inventory_schema.stock_movements WHERE reference_number = %s", [reference]
        ).fetchall()
    recorded_ids = [row[0] for row in recorded]
    print(  # noqa: T201
        f"\nnode crash: {len(acknowledged)} movements acknowledged; first answers {dict(first_answers)}; "
        f"HAProxy marked {victim.name} down after {noticed_after:.1f} s"
    )
    assert unexpected == []
    assert len(acknowledged) > 50
    assert sorted(recorded_ids) == sorted(acknowledged.values()), "the ledger differs from what was acknowledged"
    result = manage(cluster, "reconcile_stock")
    assert result.returncode == 0, result.stdout + result.stderr

    # The survivors took every request once HAProxy knew.
    client = Client(cluster.port, token=admin.token)
    nodes = Counter(client.get("/api/v1/inventory/branches").node for _ in range(12))
    assert set(nodes) == {n.name for n in cluster.nodes if n is not victim}

    victim.start()  # back for the tests that follow
    victim.wait_ready()
    cluster.wait_balanced()
