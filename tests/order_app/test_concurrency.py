"""Real parallel requests on orders (docs/api.md §37.8): each thread its own connection."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from auth_app.models import RoleName
from inventory_app.models import MovementType, ReservationStatus, StockLevel, StockMovement, StockReservation
from inventory_app.services import movement_create
from order_app.models import Order
from tests.conftest import bearer_client
from tests.factories import make_item, make_user, stock
from tests.order_app.conftest import act, invariants, place, placed

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def run_parallel(clients, request) -> list:
    barrier = threading.Barrier(len(clients))

    def work(i):
        try:
            barrier.wait(timeout=30)
            return request(i, clients[i])
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(work, range(len(clients))))


def test_ten_customers_on_the_last_units_get_exactly_the_units_available(shop):
    last = make_item("LAST-1", "Last ones")
    stock(last, shop.branch, 3)
    customers = [bearer_client(make_user(RoleName.CUSTOMER)) for _ in range(10)]
    responses = run_parallel(customers, lambda i, client: place(client, shop.branch, (last, 1), (shop.mouse, 1)))
    assert sorted(r.status_code for r in responses) == [201] * 3 + [409] * 7
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.json()["error"]["code"] == "INSUFFICIENT_STOCK"
    row = shop.row(last)
    assert (row.quantity, row.reserved_quantity) == (3, 3)
    assert shop.row(shop.mouse).reserved_quantity == 3
    assert Order.objects.count() == 3
    call_command("reconcile_stock")  # CommandError (exit 1) on drift or a broken order invariant


def test_parallel_fulfil_and_cancel_on_one_order_exactly_one_wins(shop, customer):
    order = placed(customer, shop.branch, (shop.mouse, 2), (shop.laptop, 1))
    staff = [bearer_client(make_user(RoleName.ADMIN)) for _ in range(8)]
    assert act(staff[0], order, "confirm").status_code == 200

    def attempt(i, client):
        if i % 2:
            return act(client, order, "cancel", {"reason": "STAFF"})
        return act(client, order, "fulfil", {"pickupCode": order["pickupCode"]})

    responses = run_parallel(staff, attempt)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 7
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.json()["error"]["code"] == "ORDER_STATE_CONFLICT"
    final = Order.objects.get().status
    assert final in ("FULFILLED", "CANCELLED")
    assert not StockReservation.objects.filter(status=ReservationStatus.ACTIVE).exists()
    call_command("reconcile_stock")


def test_parallel_placements_of_one_customer_respect_the_open_order_limit(shop, settings):
    settings.ORDER_MAX_OPEN_PER_CUSTOMER = 2
    client = bearer_client(make_user(RoleName.CUSTOMER))
    responses = run_parallel([client] * 6, lambda i, c: place(c, shop.branch, (shop.cable, 1)))
    assert sorted(r.status_code for r in responses) == [201] * 2 + [409] * 4
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"TOO_MANY_OPEN_ORDERS"}


def waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction the view is a snapshot
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_fulfil_that_waited_for_the_rows_records_its_balance_after_the_write_it_waited_for(
    shop, customer, admin_client
):
    """A fulfil takes its time before its one stock statement waits for the rows (services.holds
    ``settle``); the transaction it waits for may write a movement with a later time. The
    fulfil's OUT movement must still come after that one in the ledger's order (created_at, id),
    or its recorded balance is not the running sum (docs/api.md §28, a BALANCE drift)."""
    order = placed(customer, shop.branch, (shop.mouse, 2))
    assert act(admin_client, order, "confirm").status_code == 200
    clerk = bearer_client(make_user(RoleName.ADMIN))

    def fulfil():
        try:
            return act(clerk, order, "fulfil", {"pickupCode": order["pickupCode"]})
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool, transaction.atomic():
        list(StockLevel.objects.select_for_update().filter(pk=shop.row(shop.mouse).pk))
        fulfilled = pool.submit(fulfil)
        for _ in range(3000):  # the fulfil waits for the row, its time taken
            if waiting_on_locks():
                break
            threading.Event().wait(0.01)
        movement_create(
            inventory_item_id=shop.mouse.pk,
            movement_type=MovementType.IN,
            quantity=5,
            performed_by=None,
            to_branch_id=shop.branch.pk,
        )  # a later time, written first
    assert fulfilled.result(timeout=30).status_code == 200
    ledger = StockMovement.objects.filter(inventory_item=shop.mouse).order_by("created_at", "id")
    assert [(m.movement_type, m.from_balance_after, m.to_balance_after) for m in ledger] == [
        ("IN", None, 10),
        ("IN", None, 15),
        ("OUT", 13, None),
    ]
    assert invariants() == []
    call_command("reconcile_stock")
