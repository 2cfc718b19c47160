"""Real parallel requests: each thread has its own database connection (docs/api.md §12, §14, §15)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connection

from auth_app.models import RoleName
from inventory_app.models import StockLevel, StockMovement, StockReservation
from natjoub.models import IdempotencyKey
from tests.conftest import bearer_client
from tests.factories import make_branch, make_item, make_seller, make_user, stock
from tests.inventory_app.conftest import BASE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def run_parallel(count: int, request) -> list:
    """Call ``request(i, client)`` from ``count`` threads released together."""
    barrier = threading.Barrier(count)
    clients = [bearer_client(make_seller()) for _ in range(count)]

    def work(i):
        try:
            barrier.wait(timeout=30)
            return request(i, clients[i])
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(work, range(count)))


def movement(client, body, **headers):
    return client.post(f"{BASE}/movements", body, format="json", **headers)


def assert_no_drift():
    call_command("reconcile_stock")  # raises CommandError (exit 1) on drift


def test_parallel_outs_never_oversell():
    item, branch = make_item("HOT"), make_branch("WH")
    stock(item, branch, 100)
    body = {"inventoryItemId": str(item.pk), "movementType": "OUT", "quantity": 10, "fromBranchId": str(branch.pk)}
    responses = run_parallel(20, lambda i, client: movement(client, body))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 10 + [409] * 10
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.json()["error"]["code"] == "INSUFFICIENT_STOCK"
    assert StockLevel.objects.get(inventory_item=item, branch=branch).quantity == 0
    assert_no_drift()


def test_parallel_first_ins_create_one_row():
    item, branch = make_item("NEW"), make_branch("WH")

    def send(i, client):
        body = {"inventoryItemId": str(item.pk), "movementType": "IN", "quantity": i + 1, "toBranchId": str(branch.pk)}
        return movement(client, body)

    responses = run_parallel(12, send)
    assert [r.status_code for r in responses] == [201] * 12
    assert StockLevel.objects.get(inventory_item=item, branch=branch).quantity == sum(range(1, 13))
    assert_no_drift()


def test_parallel_transfers_both_ways_do_not_deadlock():
    item, a, b = make_item("T"), make_branch("A"), make_branch("B")
    stock(item, a, 50)
    stock(item, b, 50)

    def send(i, client):
        src, dst = (a, b) if i % 2 else (b, a)
        body = {
            "inventoryItemId": str(item.pk),
            "movementType": "TRANSFER",
            "quantity": 1,
            "fromBranchId": str(src.pk),
            "toBranchId": str(dst.pk),
        }
        return movement(client, body)

    assert [r.status_code for r in run_parallel(16, send)] == [201] * 16
    assert sum(StockLevel.objects.filter(inventory_item=item).values_list("quantity", flat=True)) == 100
    assert_no_drift()


def test_parallel_reservations_never_over_reserve():
    item, branch = make_item("R"), make_branch("WH")
    stock(item, branch, 25)
    body = {"inventoryItemId": str(item.pk), "branchId": str(branch.pk), "quantity": 3}
    responses = run_parallel(16, lambda i, client: client.post(f"{BASE}/reservations", body, format="json"))
    assert sorted(r.status_code for r in responses) == [201] * 8 + [409] * 8
    row = StockLevel.objects.get(inventory_item=item, branch=branch)
    assert (row.quantity, row.reserved_quantity) == (25, 24)
    assert StockReservation.objects.count() == 8
    assert_no_drift()


def test_concurrent_retries_of_one_idempotent_request_have_one_effect():
    item, branch = make_item("I"), make_branch("WH")
    stock(item, branch, 100)
    client = bearer_client(make_seller())
    body = {"inventoryItemId": str(item.pk), "movementType": "OUT", "quantity": 7, "fromBranchId": str(branch.pk)}
    responses = run_parallel(10, lambda i, _: movement(client, body, HTTP_IDEMPOTENCY_KEY="same-key"))
    assert [r.status_code for r in responses] == [201] * 10
    assert len({r.json()["data"]["id"] for r in responses}) == 1
    assert sum(1 for r in responses if r.get("Idempotent-Replayed") == "true") == 9
    assert StockMovement.objects.filter(movement_type="OUT").count() == 1
    assert IdempotencyKey.objects.count() == 1
    assert StockLevel.objects.get(inventory_item=item, branch=branch).quantity == 93
    assert_no_drift()


def test_parallel_commits_and_releases_settle_each_reservation_once():
    item, branch = make_item("C"), make_branch("WH")
    stock(item, branch, 10)
    client = bearer_client(make_user(RoleName.ADMIN))
    body = {"inventoryItemId": str(item.pk), "branchId": str(branch.pk), "quantity": 4}
    reservation_id = client.post(f"{BASE}/reservations", body, format="json").json()["data"]["id"]
    actions = ["commit", "release"] * 4
    responses = run_parallel(8, lambda i, c: c.post(f"{BASE}/reservations/{reservation_id}/{actions[i]}"))
    assert sorted(r.status_code for r in responses) == [200] + [409] * 7
    row = StockLevel.objects.get(inventory_item=item, branch=branch)
    assert row.reserved_quantity == 0
    assert row.quantity in (6, 10)
    assert_no_drift()
