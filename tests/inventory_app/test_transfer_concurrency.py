"""Transfers under real parallel requests (docs/api.md §27): of N receive/cancel calls on one
transfer exactly one succeeds; parallel dispatches never oversell; the ledger stays exact."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from auth_app.models import RoleName
from inventory_app import services
from inventory_app.models import MovementType, StockLevel, StockMovement, StockTransfer
from tests.conftest import bearer_client
from tests.factories import make_branch, make_item, make_user, stock
from tests.inventory_app.conftest import BASE
from tests.inventory_app.test_concurrency import run_parallel

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def in_transit(quantity: int = 6):
    items = [make_item(f"P-{i}") for i in range(3)]
    src, dst = make_branch("SRC"), make_branch("DST")
    for item in items:
        stock(item, src, 10)
    lines = [{"inventory_item_id": item.pk, "quantity": quantity} for item in items]
    transfer = services.transfer_dispatch(from_branch_id=src.pk, to_branch_id=dst.pk, lines=lines, dispatched_by=None)
    return transfer, items, src, dst


def totals(items, branch) -> list[int | None]:
    rows = {row.inventory_item_id: row.quantity for row in StockLevel.objects.filter(branch=branch)}
    return [rows.get(item.pk) for item in items]


def test_ten_parallel_receives_succeed_once():
    transfer, items, src, dst = in_transit()
    responses = run_parallel(10, lambda i, client: client.post(f"{BASE}/transfers/{transfer.pk}/receive"))
    assert sorted(r.status_code for r in responses) == [200] + [409] * 9
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.json()["error"]["code"] == "TRANSFER_NOT_IN_TRANSIT"
    assert totals(items, dst) == [6, 6, 6]
    assert totals(items, src) == [4, 4, 4]
    assert StockMovement.objects.filter(movement_type=MovementType.TRANSFER_IN).count() == 3
    call_command("reconcile_stock")


def test_receive_and_cancel_race_settles_once():
    transfer, items, src, dst = in_transit()
    actions = ["receive", "cancel"] * 4
    responses = run_parallel(8, lambda i, client: client.post(f"{BASE}/transfers/{transfer.pk}/{actions[i]}"))
    assert sorted(r.status_code for r in responses) == [200] + [409] * 7
    winner = next(actions[i] for i, r in enumerate(responses) if r.status_code == 200)
    status = StockTransfer.objects.get(pk=transfer.pk).status
    if winner == "receive":
        assert (status, totals(items, dst), totals(items, src)) == ("RECEIVED", [6, 6, 6], [4, 4, 4])
    else:
        assert (status, totals(items, dst), totals(items, src)) == ("CANCELLED", [None] * 3, [10, 10, 10])
    assert StockMovement.objects.filter(movement_type=MovementType.TRANSFER_IN).count() == 3
    call_command("reconcile_stock")


def test_parallel_dispatches_and_outs_never_oversell():
    """Dispatches (3 lines) and single OUTs compete for the same rows; locks in primary-key order
    never deadlock and the rows never go below zero."""
    items = [make_item(f"Q-{i}") for i in range(3)]
    src, dst = make_branch("SRC"), make_branch("DST")
    for item in items:
        stock(item, src, 20)

    def send(i, client):
        if i % 2:
            lines = [{"inventoryItemId": str(item.pk), "quantity": 3} for item in reversed(items)]
            body = {"fromBranchId": str(src.pk), "toBranchId": str(dst.pk), "lines": lines}
            return client.post(f"{BASE}/transfers", body, format="json")
        body = {
            "inventoryItemId": str(items[i % 3].pk),
            "movementType": "OUT",
            "quantity": 3,
            "fromBranchId": str(src.pk),
        }
        return client.post(f"{BASE}/movements", body, format="json")

    responses = run_parallel(16, send)
    assert {r.status_code for r in responses} <= {201, 409}
    shipped = StockTransfer.objects.count()
    outs = StockMovement.objects.filter(movement_type=MovementType.OUT).count()
    assert shipped + outs == sum(r.status_code == 201 for r in responses)
    assert all(q >= 0 for q in totals(items, src))
    assert sum(totals(items, src)) == 60 - 9 * shipped - 3 * outs
    call_command("reconcile_stock")


def test_a_seller_losing_its_assignment_mid_flight_is_refused_or_served_whole():
    """Assignments are read by the request's own statements: a concurrent removal yields either a
    full success or a 404 (the transfer no longer touches any of its branches), never a partial write."""
    transfer, items, _src, dst = in_transit()
    seller = make_user(RoleName.SELLER)
    services.assignment_create(branch_id=dst.pk, user_id=seller.pk, created_by=None)
    other = make_branch("OTHER")
    services.assignment_create(branch_id=other.pk, user_id=seller.pk, created_by=None)
    client = bearer_client(seller)

    def act(i, _):
        if i == 0:
            return client.post(f"{BASE}/transfers/{transfer.pk}/receive")
        services.assignment_delete(branch_id=dst.pk, user_id=seller.pk)
        return None

    response = run_parallel(2, act)[0]
    assert response.status_code in (200, 404)
    received = StockTransfer.objects.get(pk=transfer.pk).status == "RECEIVED"
    assert received == (response.status_code == 200)
    assert totals(items, dst) == ([6, 6, 6] if received else [None] * 3)
    call_command("reconcile_stock")
