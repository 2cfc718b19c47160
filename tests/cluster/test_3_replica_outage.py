"""Replicas stopped under load (docs/api.md §32): one, then both; every request is still
answered (0 5xx) by what is left; restarted, they serve reads again."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter

from tests.cluster.client import Client, run_load
from tests.cluster.conftest import connect, wait_for, xact_commits

MONITOR = "natjoub replica monitor"


def app_sessions(server) -> int:
    """Sessions the app nodes' request pools hold on a server (the routing monitor's excluded)."""
    with connect(server) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
            "AND datname = 'postgres' AND application_name <> %s AND pid <> pg_backend_pid()",
            [MONITOR],
        ).fetchone()[0]


def test_replicas_stopped_under_load_cause_no_5xx_and_are_used_again_after_restart(cluster, admin):
    readers = [Client(cluster.port, token=admin.token) for _ in range(4)]
    codes = []

    def load(index: int) -> int:
        if index == 0:  # one caller writes and reads its writes back
            code = f"OUT-{uuid.uuid4().hex[:10]}"
            created = readers[0].post("/api/v1/inventory/branches", {"name": code, "code": code})
            if created.status != 201:
                return created.status
            codes.append(code)
            return readers[0].get(f"/api/v1/inventory/branches/{created.data['id']}").status
        return readers[index].get("/api/v1/inventory/items?size=50").status

    outcomes: Counter = Counter()
    done = threading.Event()

    def background():
        while not done.is_set():
            outcomes.update(run_load(load, threads=4, seconds=1))

    loader = threading.Thread(target=background)
    loader.start()
    first, second = cluster.postgres.replicas
    try:
        time.sleep(3)
        first.stop()  # fast shutdown: in-flight queries on it are terminated
        time.sleep(4)
        second.stop()
        time.sleep(4)
        during_outage = sum(outcomes.values())
        first.start()
        second.start()
        time.sleep(4)
    finally:
        done.set()
        loader.join()

    assert all(status < 500 for status in outcomes if isinstance(status, int)), outcomes
    assert set(outcomes) <= {200, 201}, outcomes
    assert during_outage > 100, outcomes
    print(f"\nreplica outage under load: {dict(outcomes)}")  # noqa: T201

    # Back in use: the nodes read from both replicas again.
    for replica in (first, second):
        before = xact_commits(replica)
        wait_for(
            lambda replica=replica, before=before: app_sessions(replica) > 0 and run_load(load, threads=2, seconds=1)
            and xact_commits(replica) > before,
            timeout=40, what="reads on the restarted replica",
        )  # fmt: skip
