"""Replica routing that users cannot notice (docs/api.md §32), against a real streaming replica.

The replica applies commits a quarter second late (``recovery_min_apply_delay``), so a read right
after a write finds it behind, as a loaded replica would be. Requests go through the whole
middleware stack of the Django test client; which server answered is read from the servers
themselves (queries captured per connection).
"""

from __future__ import annotations

import time

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from auth_app.models import RoleName
from natjoub.db.replicas import marks
from natjoub.db.replicas.monitor import REFRESH_SECONDS, monitor
from tests.conftest import bearer_client
from tests.factories import make_branch, make_user
from tests.natjoub.replica import ALIAS, StreamingReplica

pytestmark = [pytest.mark.django_db(transaction=True, databases=["default", ALIAS]), pytest.mark.concurrency]
BRANCHES = "/api/v1/inventory/branches"


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        streaming = StreamingReplica()
        try:
            streaming.start()
            streaming.register()
            yield streaming
        finally:
            streaming.unregister()
            streaming.destroy()


@pytest.fixture
def routed(replica, settings):
    """Replica routing on, fresh replica statuses, the replica caught up with the test's setup."""
    settings.DATABASE_REPLICA_ALIASES = [ALIAS]
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 60
    monitor.reset()
    yield replica
    monitor.reset()


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


ROUTING_QUERIES = ("natjoub_cache", "pg_last_wal_replay_lsn")


def served_by(client, path: str, **extra):
    """(response, aliases that ran queries on application data for it). Not counted: the cache
    table (rate-limit counters and read-your-writes marks, always on the primary) and the
    router's own look at a replica's replay position."""
    used = set()

    def record(execute, sql, params, many, context):
        if not any(word in sql for word in ROUTING_QUERIES):
            used.add(context["connection"].alias)
        return execute(sql, params, many, context)

    with connections["default"].execute_wrapper(record), connections[ALIAS].execute_wrapper(record):
        response = client.get(path, **extra)
    return response, used


def create_branch(client, code: str, **extra):
    response = client.post(BRANCHES, {"name": f"Branch {code}", "code": code}, format="json", **extra)
    assert response.status_code == 201, response.content
    return response.json()["data"]["id"]


def test_reads_of_a_caller_without_recent_writes_go_to_the_replica(routed):
    branch = make_branch("RR-1")
    reader = bearer_client(make_user(RoleName.SELLER))
    routed.wait_until_replayed()
    response, used = served_by(reader, f"{BRANCHES}/{branch.id}")
    assert response.status_code == 200
    assert used == {ALIAS}


def test_the_caches_own_statements_do_not_pin_a_read_to_the_primary(routed):
    """Django's database cache deletes the expired entries it reads: that is not the caller's
    write (seen in the full suite, where marks of earlier tests had expired)."""
    from django.core.cache import cache

    branch = make_branch("RR-CACHE")
    reader = bearer_client(make_user(RoleName.SELLER))
    cache.set(marks.user_key(reader.user.id), 1, timeout=1)
    cache.set("ryw:c:10.0.3.1", 1, timeout=1)
    routed.wait_until_replayed()
    time.sleep(1.1)
    response, used = served_by(reader, f"{BRANCHES}/{branch.id}", REMOTE_ADDR="10.0.3.1")
    assert response.status_code == 200
    assert used == {ALIAS}


def test_writes_and_their_transaction_reads_use_the_primary(routed):
    admin = bearer_client(make_user(RoleName.ADMIN))
    routed.wait_until_replayed()
    with CaptureQueriesContext(connections[ALIAS]) as replica_queries:
        create_branch(admin, "RR-W")
    assert replica_queries.captured_queries == []


def test_a_caller_reads_its_own_write_on_the_next_request(routed):
    admin = bearer_client(make_user(RoleName.ADMIN))
    routed.wait_until_replayed()
    branch_id = create_branch(admin, "RR-RYW")
    response, used = served_by(admin, f"{BRANCHES}/{branch_id}")
    assert response.status_code == 200, "read-your-writes broken: the replica had not replayed the write"
    assert used == {"default"}  # the replica was a quarter second behind
    # Once the replica has replayed the write, the same caller reads from it again.
    routed.wait_until_replayed()
    time.sleep(REFRESH_SECONDS)
    response, used = served_by(admin, f"{BRANCHES}/{branch_id}")
    assert response.status_code == 200
    assert used == {ALIAS}


def test_the_mark_follows_the_user_to_another_client_address(routed):
    """Another node, another address: the user's mark is in the shared cache under the user id."""
    admin = bearer_client(make_user(RoleName.ADMIN))
    routed.wait_until_replayed()
    branch_id = create_branch(admin, "RR-NODE", REMOTE_ADDR="10.0.0.1")
    response, used = served_by(admin, f"{BRANCHES}/{branch_id}", REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 200
    assert used == {"default"}


def test_another_caller_is_not_held_to_someone_elses_writes(routed):
    admin = bearer_client(make_user(RoleName.ADMIN))
    reader = bearer_client(make_user(RoleName.SELLER))
    routed.wait_until_replayed()
    time.sleep(REFRESH_SECONDS)
    create_branch(admin, "RR-OTHER")
    response, used = served_by(reader, BRANCHES, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 200
    assert used == {ALIAS}


def test_probe_write_then_read_never_stale(routed, monkeypatch):
    """The probe of the issue: POST then GET at once, 100 times. Naive routing (marks ignored)
    answers stale reads against this replica; read-your-writes answers none."""
    admin = bearer_client(make_user(RoleName.ADMIN))
    routed.wait_until_replayed()

    def probe(prefix: str, pairs: int) -> int:
        stale = 0
        for n in range(pairs):
            branch_id = create_branch(admin, f"{prefix}-{n}")
            stale += admin.get(f"{BRANCHES}/{branch_id}").status_code == 404
        return stale

    assert probe("RYW", 100) == 0
    monkeypatch.setattr(marks, "required_lsn", lambda keys: None)  # naive: any replica that is up
    time.sleep(REFRESH_SECONDS)
    assert probe("NAIVE", 20) > 0, "the replica never lagged: this probe proves nothing"


def test_a_replica_beyond_the_max_lag_is_skipped(routed, settings):
    reader = bearer_client(make_user(RoleName.SELLER))
    routed.wait_until_replayed()
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0.5
    routed.execute("SELECT pg_wal_replay_pause()")
    try:
        make_branch("RR-LAG")  # the primary moves on; the paused replica does not
        time.sleep(1.2)
        monitor.refresh()
        assert monitor.status(ALIAS).lag_seconds > 0.5
        response, used = served_by(reader, BRANCHES, REMOTE_ADDR="10.0.1.1")
        assert response.status_code == 200
        assert used == {"default"}
        assert [b["code"] for b in response.json()["data"]] == ["RR-LAG"]
    finally:
        routed.execute("SELECT pg_wal_replay_resume()")
    routed.wait_until_replayed()
    monitor.refresh()
    response, used = served_by(reader, BRANCHES, REMOTE_ADDR="10.0.1.1")
    assert used == {ALIAS}


def test_a_replica_that_is_down_is_skipped_without_an_error_and_used_again_when_back(routed):
    branch = make_branch("RR-DOWN")
    reader = bearer_client(make_user(RoleName.SELLER))
    routed.wait_until_replayed()
    routed.stop()
    try:
        for _ in range(3):
            response, used = served_by(reader, f"{BRANCHES}/{branch.id}")
            assert response.status_code == 200
            assert used == {"default"}
    finally:
        routed.start()
    connections[ALIAS].close()
    wait_for(lambda: served_by(reader, f"{BRANCHES}/{branch.id}")[1] == {ALIAS})


def test_a_replica_failing_in_the_middle_of_a_request_is_answered_by_the_primary(routed):
    """The replica's session is terminated between two queries of one request: the request is
    answered by the primary, never a 5xx."""
    branch = make_branch("RR-MID")
    reader = bearer_client(make_user(RoleName.SELLER))
    routed.wait_until_replayed()
    time.sleep(REFRESH_SECONDS)
    killed = []

    def kill_after_first_query(execute, sql, params, many, context):
        if len(killed) == 1:
            routed.execute(f"SELECT pg_terminate_backend({killed[0]})")
            killed.append("done")
        result = execute(sql, params, many, context)
        if not killed:
            killed.append(context["connection"].connection.info.backend_pid)
        return result

    with connections[ALIAS].execute_wrapper(kill_after_first_query):
        response, used = served_by(reader, f"{BRANCHES}/{branch.id}")
    assert killed[-1] == "done", "the replica's session was never terminated"
    assert response.status_code == 200
    assert response.json()["data"]["code"] == "RR-MID"
    assert "default" in used


def test_a_deactivation_by_an_admin_is_seen_at_once_by_the_deactivated_user(routed):
    """Another caller's write that ends a user's access (auth_app calls remember_write_for): the
    user's very next request, from anywhere, is refused, though the replica is still behind."""
    admin = bearer_client(make_user(RoleName.ADMIN))
    seller_user = make_user(RoleName.SELLER)
    seller = bearer_client(seller_user)
    routed.wait_until_replayed()
    time.sleep(REFRESH_SECONDS)
    assert served_by(seller, BRANCHES, REMOTE_ADDR="10.0.2.1")[1] == {ALIAS}
    response = admin.put(f"/api/v1/admin/auth/users/{seller_user.id}/status", {"isActive": False}, format="json")
    assert response.status_code == 200, response.content
    response, used = served_by(seller, BRANCHES, REMOTE_ADDR="10.0.2.1")
    assert response.status_code == 401
    assert used == {"default"}


def test_a_removed_grant_is_refused_at_once_while_the_replica_lags(routed):
    """docs/api.md §35 (the §32 replicas row), §36: the seller's branches are read on the primary,
    so a grant removed while the replica has not replayed it is refused on the very next request,
    although that request's list still runs on the (stale) replica."""
    from inventory_app.models import SellerGrant
    from tests.factories import make_item, make_seller, stock

    admin = bearer_client(make_user(RoleName.ADMIN))
    seller_user = make_seller()
    seller = bearer_client(seller_user)
    branch, item = make_branch("RR-G"), make_item("RR-G-1")
    stock(item, branch, 5)
    movements, levels = "/api/v1/inventory/movements", f"/api/v1/inventory/stock-levels/branch/{branch.pk}"
    routed.wait_until_replayed()
    time.sleep(REFRESH_SECONDS)
    response, used = served_by(seller, movements, REMOTE_ADDR="10.0.3.1")
    assert (len(response.json()["data"]), ALIAS in used) == (1, True)
    routed.execute("SELECT pg_wal_replay_pause()")
    try:
        url = f"/api/v1/inventory/sellers/{seller_user.pk}/access/all-branches"
        assert admin.delete(url, REMOTE_ADDR="10.0.3.2").status_code == 200
        assert SellerGrant.objects.using(ALIAS).filter(user_id=seller_user.pk).exists()  # the replica lags
        response, used = served_by(seller, movements, REMOTE_ADDR="10.0.3.1")
        assert response.status_code == 200
        assert response.json()["data"] == []
        assert used == {"default", ALIAS}  # access on the primary, the list on the replica
        response, _ = served_by(seller, levels, REMOTE_ADDR="10.0.3.1")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "BRANCH_ACCESS_DENIED"
    finally:
        routed.execute("SELECT pg_wal_replay_resume()")
    routed.wait_until_replayed()
