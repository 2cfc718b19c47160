"""Exact list totals from the list counters (docs/architecture.md §3.7, migrations 0007-0008) and
the branch filter's page read as a union of two index scans (natjoub/db/union_pages.py).

The counters must equal ``COUNT(*)`` whatever path wrote the rows, and the lists must read them
exactly where they cover the filters: the tests skew a counter on purpose to see which lists read
it. Row helpers come from ``tests.factories``, ``list_counter_drift`` from the conftest."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auth_app.models import RoleName
from inventory_app import list_counts, selectors, services
from inventory_app.exceptions import InsufficientStock
from inventory_app.models import BranchAssignment, InventoryItem, MovementType, StockMovement
from inventory_app.scoping import BranchAccess
from inventory_app.selectors import MovementFilters
from inventory_app.serializers import MovementOutput
from natjoub.api.casing import camelize
from natjoub.api.output import render_many, render_page
from natjoub.db import counters
from natjoub.models import ListCount
from tests.conftest import bearer_client
from tests.factories import make_branch, make_item, make_user, stock
from tests.helpers import assert_ok
from tests.inventory_app.conftest import BASE, list_counter_drift

MOVEMENTS_URL = f"{BASE}/movements"
ITEMS_URL = f"{BASE}/items"
TABLE = StockMovement._meta.db_table


def move(item, movement_type, quantity, src=None, dst=None) -> StockMovement:
    return services.movement_create(
        inventory_item_id=item.pk,
        movement_type=movement_type,
        quantity=quantity,
        from_branch_id=getattr(src, "pk", None),
        to_branch_id=getattr(dst, "pk", None),
        performed_by=None,
    )


def ledger(item, branch, other_branch) -> None:
    """Every recordable type, an ADJUSTMENT whose FROM and TO are one branch, a two-step transfer."""
    stock(item, branch, 50)
    move(item, "IN", 5, dst=branch)
    move(item, "OUT", 2, src=branch)
    move(item, "TRANSFER", 3, src=branch, dst=other_branch)
    move(item, "RETURN", 1, dst=other_branch)
    move(item, "ADJUSTMENT", 4, src=branch, dst=branch)  # one movement at that branch, counted once
    transfer = services.transfer_dispatch(
        from_branch_id=branch.pk,
        to_branch_id=other_branch.pk,
        lines=[{"inventory_item_id": item.pk, "quantity": 2}],
        dispatched_by=None,
    )
    services.transfer_receive(transfer_id=transfer.pk, received_by=None)


def total(response) -> int:
    assert_ok(response, 200, response.json()["message"], meta=True)
    return response.json()["meta"]["total"]


def skew(name: str, by: int) -> None:
    """Make counter ``name`` differ from the rows (a slot no transaction uses)."""
    ListCount.objects.create(counter=name, slot=counters.SLOTS + 1, n=by)


# -- the counters follow every write ----------------------------------------------------------
def test_counters_follow_services_bulk_inserts_and_deletes(db, item, branch, other_branch):
    ledger(item, branch, other_branch)
    with pytest.raises(InsufficientStock):
        move(item, "OUT", 10_000, src=branch)  # refused and rolled back
    StockMovement.objects.bulk_create(
        StockMovement(inventory_item=item, to_branch=other_branch, movement_type="IN", quantity=1, reference_number="B")
        for _ in range(7)
    )
    with connection.cursor() as cursor:  # one statement of many rows, as a COPY or a data migration writes
        cursor.execute(
            f"""
            INSERT INTO {TABLE} (id, inventory_item_id, from_branch_id, to_branch_id, movement_type, quantity,
                                 reference_number, created_at)
            SELECT gen_random_uuid(), %s, CASE WHEN g %% 3 = 0 THEN %s::uuid END, %s, 'ADJUSTMENT', 1, 'RAW', now()
            FROM generate_series(1, 300) g
            """,  # noqa: S608
            [item.pk, branch.pk, other_branch.pk],
        )
    assert list_counter_drift() == {}
    assert counters.total(list_counts.movements_at_branch(other_branch.pk)) == (
        StockMovement.objects.filter(Q(from_branch=other_branch) | Q(to_branch=other_branch)).count()
    )
    with connection.cursor() as cursor:  # the ledger is append-only, but a delete must still count
        cursor.execute(f"DELETE FROM {TABLE} WHERE reference_number IN ('RAW', 'B') AND id::text < '8'")  # noqa: S608
    spare = services.item_create(sku="SPARE", name="Spare", unit_of_measure="piece", unit_price=Decimal("1.00"))
    stock(make_item("GONE"), branch, 0)
    services.item_delete(item_id=spare.pk)
    InventoryItem.objects.filter(sku="GONE").delete()  # its stock row goes with it (cascade)
    assert list_counter_drift() == {}


def test_a_rolled_back_write_changes_no_counter(db, item, branch, other_branch):
    ledger(item, branch, other_branch)
    before = dict(ListCount.objects.values_list("counter", "n").order_by())

    def write_then_fail() -> None:
        with transaction.atomic():
            move(item, "TRANSFER", 1, src=branch, dst=other_branch)
            services.item_create(sku="LATE", name="Late", unit_of_measure="piece", unit_price=Decimal("1.00"))
            assert list_counter_drift() == {}  # the writer sees its own rows counted
            raise RuntimeError

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert dict(ListCount.objects.values_list("counter", "n").order_by()) == before
    assert list_counter_drift() == {}


@pytest.mark.django_db(transaction=True)
def test_the_migration_backfills_rows_written_without_triggers():
    item, branch = make_item("OLD"), make_branch("OLD")
    stock(item, branch, 3)
    call_command("migrate", "inventory_app", "0006", verbosity=0)  # no triggers, no counters
    assert not ListCount.objects.filter(counter__startswith="inventory.").exists()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (id, inventory_item_id, to_branch_id, movement_type, quantity, created_at) "  # noqa: S608
            "SELECT gen_random_uuid(), %s, %s, 'IN', 1, now() FROM generate_series(1, 25)",
            [item.pk, branch.pk],
        )
    call_command("migrate", "inventory_app", verbosity=0)
    assert list_counter_drift() == {}
    assert counters.total(list_counts.MOVEMENTS) == 26


# -- the lists read them where they cover the filters -----------------------------------------
def test_movement_totals_are_exact_and_read_from_the_counters(admin_client, item, branch, other_branch):
    ledger(item, branch, other_branch)
    second = make_item("SECOND")
    move(second, "IN", 1, dst=other_branch)
    get = lambda **params: total(admin_client.get(MOVEMENTS_URL, params))  # noqa: E731
    at = lambda b: StockMovement.objects.filter(Q(from_branch=b) | Q(to_branch=b)).count()  # noqa: E731
    everything, of_item = StockMovement.objects.count(), StockMovement.objects.filter(inventory_item=item).count()
    assert (everything, of_item, at(branch), at(other_branch)) == (9, 8, 6, 4)  # 6 + 4: the TRANSFER at both

    assert get() == everything
    assert get(inventoryItemId=str(item.pk)) == of_item
    assert get(branchId=str(branch.pk)) == at(branch)
    assert get(branchId=str(other_branch.pk)) == at(other_branch)

    for name in (
        list_counts.MOVEMENTS,
        list_counts.movements_of_item(item.pk),
        list_counts.movements_at_branch(branch.pk),
    ):
        skew(name, 1000)
    assert get() == everything + 1000  # read from the counter...
    assert get(inventoryItemId=str(item.pk)) == of_item + 1000
    assert get(branchId=str(branch.pk)) == at(branch) + 1000
    # ...and only where it covers the filters exactly
    assert get(inventoryItemId=str(item.pk), branchId=str(branch.pk)) == at(branch)
    assert get(branchId=str(branch.pk), movementType="TRANSFER") == 1
    assert get(movementType="IN") == StockMovement.objects.filter(movement_type="IN").count()
    assert get(inventoryItemId=str(item.pk), referenceNumber="x") == 0
    assert get(createdAfter="2000-01-01T00:00:00Z") == everything

    scoped = bearer_client(make_user(RoleName.SELLER))  # narrowed by its assignment: counted
    BranchAssignment.objects.create(user=scoped.user, branch=branch)
    assert total(scoped.get(MOVEMENTS_URL)) == at(branch)
    assert total(scoped.get(MOVEMENTS_URL, {"branchId": str(branch.pk)})) == at(branch)


def test_the_item_total_is_the_counter_only_without_filters(admin_client, db):
    for i in range(3):
        make_item(f"T-{i}", is_active=i != 0)
    get = lambda **params: total(admin_client.get(ITEMS_URL, params))  # noqa: E731
    assert get() == 3
    skew(list_counts.ITEMS, 1000)
    assert get() == 1003
    assert get(ordering="-sku") == 1003  # an order is no filter
    assert (get(isActive="true"), get(search="T-1"), get(search="")) == (2, 1, 1003)


# -- the branch filter's page is the OR filter's page -----------------------------------------
TYPES = MovementType.values
branch_or_none = st.none() | st.integers(0, 2)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(TYPES), branch_or_none, branch_or_none, st.integers(0, 4), st.integers(0, 1)),
        max_size=40,
    ),
    offset=st.integers(0, 45),
    limit=st.integers(1, 12),
)
def test_branch_pages_equal_the_or_filters_pages(db, rows, offset, limit):
    """Random ledgers with ties in ``created_at``, movements at one, two or the same branch; for
    every branch, alone and with other filters and a scoped caller, the page and the count of the
    union equal those of the plain ``from = b OR to = b`` queryset in the list's order."""
    with transaction.atomic():
        branches = [make_branch(f"P{i}") for i in range(3)]
        items = [make_item(f"P-{i}") for i in range(2)]
        scoped = make_user(RoleName.SELLER)
        BranchAssignment.objects.create(user=scoped, branch=branches[0])
        start = timezone.now()
        StockMovement.objects.bulk_create(
            StockMovement(
                inventory_item=items[i],
                from_branch=None if src is None else branches[src],
                to_branch=branches[dst] if dst is not None else None if src is not None else branches[0],
                movement_type=movement_type,
                quantity=1,
                created_at=start - timedelta(seconds=tick),
            )
            for movement_type, src, dst, tick, i in rows
        )
        for branch in branches:
            for extra, scope in (
                ({}, BranchAccess()),
                ({"movement_type": "TRANSFER"}, BranchAccess()),
                ({"inventory_item_id": items[0].pk}, BranchAccess()),
                ({}, BranchAccess(scoped.pk)),
            ):
                filters = MovementFilters(branch_id=branch.pk, **extra)
                source = selectors.movement_list(filters=filters, scope=scope)
                pages = source.rows
                plain = (
                    StockMovement.objects.restrict(scope)
                    .filter(Q(from_branch=branch) | Q(to_branch=branch), **extra)
                    .order_by("-created_at", "-id")
                )
                got = [m.pk for m in pages[offset : offset + limit]]
                assert got == list(plain.values_list("pk", flat=True)[offset : offset + limit])
                assert pages.count() == plain.count()
                assert source.count() == plain.count()  # from the counter where one covers the list
                # the page the API renders (read as columns through the union) is DRF's rendering
                rendered = render_page(MovementOutput, pages, offset, offset + limit)
                assert type(rendered).__name__ == "Camelized"  # the column path, not model instances
                assert rendered == camelize(render_many(MovementOutput, pages[offset : offset + limit]))
        for row in selectors.movement_list(filters=MovementFilters(branch_id=branches[0].pk)).rows[0:5]:
            assert {"inventory_item", "from_branch", "to_branch"} <= row._state.fields_cache.keys()  # joined
        transaction.set_rollback(True)
