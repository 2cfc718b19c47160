"""Property-based test of the stock ledger (docs/api.md §12, §14, §27, §28, §29a).

Hypothesis generates random sequences of movements of every recordable type, transfers (dispatch,
receive with random short lines, cancel), reservations (create, release, commit, expiry as time
passes, the bulk expiry) and reorder-level changes, called through the services as the API calls
them. Refusals (4xx) are part of the sequence. After every step four invariants must hold:

1. every stock row's quantity equals the signed sum of its ledger;
2. every (item, branch)'s recorded balances are the running sum of its ledger, in ledger order;
3. every row's reserved quantity equals the sum of its ACTIVE reservations;
4. the OPEN alerts are exactly the rows of active items at active branches whose available
   quantity is at or below the item's reorder level;
5. the list counters (migration 0007) equal the number of rows each list shows.

Each example runs in a savepoint that is rolled back, so examples start from the same rows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory_app import services
from inventory_app.models import AlertStatus, ReservationStatus, StockAlert, StockLevel, StockReservation, StockTransfer
from inventory_app.services.maintenance import stock_drift
from natjoub.api.errors import ApplicationError
from tests.factories import make_branch, make_item
from tests.inventory_app.conftest import list_counter_drift

ITEMS, BRANCHES = 3, 3
item_index = st.integers(0, ITEMS - 1)
branch_index = st.integers(0, BRANCHES - 1)
maybe_branch = st.none() | branch_index
quantity = st.integers(1, 12)

operations = st.one_of(
    st.tuples(
        st.just("movement"),
        st.sampled_from(["IN", "OUT", "TRANSFER", "ADJUSTMENT", "RETURN"]),
        item_index,
        quantity,
        maybe_branch,
        maybe_branch,
    ),
    st.tuples(st.just("reserve"), item_index, branch_index, quantity),
    st.tuples(st.just("release"), st.integers(0, 20)),
    st.tuples(st.just("commit"), st.integers(0, 20)),
    st.tuples(st.just("time_passes"), st.integers(0, 20)),
    st.tuples(st.just("expire_all")),
    st.tuples(
        st.just("dispatch"),
        branch_index,
        branch_index,
        st.lists(st.tuples(item_index, quantity), min_size=1, max_size=3, unique_by=lambda line: line[0]),
    ),
    st.tuples(st.just("receive"), st.integers(0, 20), st.lists(st.integers(0, 12), max_size=3)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("reorder_level"), item_index, st.integers(0, 15)),
    st.tuples(st.just("branch_active"), branch_index, st.booleans()),
)


@pytest.fixture
def shop(db):
    items = [make_item(f"H-{i}", reorder_level=level) for i, level in enumerate((0, 4, 9))]
    branches = [make_branch(f"B{i}") for i in range(BRANCHES)]
    for item in items:  # opening stock through the service: rows, ledger, balances and alerts
        for branch in branches[:2]:
            services.movement_create(
                inventory_item_id=item.pk, movement_type="IN", quantity=10, to_branch_id=branch.pk, performed_by=None
            )
    return items, branches


def pick(rows: list, index: int):
    return rows[index % len(rows)] if rows else None


def apply(operation, items, branches) -> None:
    kind, *args = operation
    if kind == "movement":
        movement_type, i, q, src, dst = args
        services.movement_create(
            inventory_item_id=items[i].pk,
            movement_type=movement_type,
            quantity=q,
            from_branch_id=None if src is None else branches[src].pk,
            to_branch_id=None if dst is None else branches[dst].pk,
            performed_by=None,
        )
    elif kind == "reserve":
        i, b, q = args
        services.reservation_create(
            inventory_item_id=items[i].pk, branch_id=branches[b].pk, quantity=q, created_by=None
        )
    elif kind in ("release", "commit", "time_passes"):
        reservation = pick(
            list(StockReservation.objects.filter(status=ReservationStatus.ACTIVE).order_by("id")), args[0]
        )
        if reservation is None:
            return
        if kind == "release":
            services.reservation_release(reservation_id=reservation.pk)
        elif kind == "commit":
            services.reservation_commit(reservation_id=reservation.pk, performed_by=None)
        else:  # its time runs out; the stored status stays ACTIVE until something expires it
            StockReservation.objects.filter(pk=reservation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif kind == "expire_all":
        services.reservations_release_expired()
    elif kind == "dispatch":
        src, dst, lines = args
        services.transfer_dispatch(
            from_branch_id=branches[src].pk,
            to_branch_id=branches[dst].pk,
            lines=[{"inventory_item_id": items[i].pk, "quantity": q} for i, q in lines],
            dispatched_by=None,
        )
    elif kind in ("receive", "cancel"):
        transfer = pick(list(StockTransfer.objects.order_by("id")), args[0])
        if transfer is None:
            return
        if kind == "cancel":
            services.transfer_cancel(transfer_id=transfer.pk, cancelled_by=None)
            return
        shipped = list(transfer.lines.order_by("id"))
        received = [
            {"inventory_item_id": line.inventory_item_id, "received_quantity": min(r, line.quantity)}
            for line, r in zip(shipped, args[1], strict=False)
        ]
        services.transfer_receive(transfer_id=transfer.pk, received_by=None, lines=received)
    elif kind == "reorder_level":
        i, level = args
        services.item_update(item_id=items[i].pk, changes={"reorder_level": level})
    elif kind == "branch_active":
        b, active = args
        services.branch_update(branch_id=branches[b].pk, changes={"is_active": active})


def assert_invariants() -> None:
    assert stock_drift() == []  # 1, 2 and 3: quantities, balances, reserved quantities
    low = {
        (row.inventory_item_id, row.branch_id)
        for row in StockLevel.objects.select_related("inventory_item", "branch")
        if row.inventory_item.is_active
        and row.branch.is_active
        and row.quantity - row.reserved_quantity <= row.inventory_item.reorder_level
    }
    opened = set(StockAlert.objects.filter(status=AlertStatus.OPEN).values_list("inventory_item_id", "branch_id"))
    assert opened == low  # 4
    assert list_counter_drift() == {}  # 5


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(operations, max_size=16))
def test_random_sequences_keep_the_five_invariants(shop, steps):
    items, branches = shop
    with transaction.atomic():
        try:
            assert_invariants()
            for step in steps:
                refused = None
                try:  # each service is its own (nested) transaction, as under a request
                    apply(step, items, branches)
                except ApplicationError as exc:
                    refused = exc
                assert refused is None or refused.http_status < 500
                assert_invariants()
        finally:
            transaction.set_rollback(True)
