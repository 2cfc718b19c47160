"""The inventory services called directly (beside the HTTP tests): catalog, stock, transfers,
scoping and alerts, with their errors and the rows they leave behind."""

from __future__ import annotations

import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from auth_app.models import RoleName
from inventory_app import services
from inventory_app.exceptions import (
    BranchAccessDenied,
    BranchExists,
    BranchInUse,
    BranchNotFound,
    CategoryCycle,
    CategoryExists,
    CategoryNotFound,
    FromBranchRequired,
    InsufficientStock,
    ItemExists,
    ItemInUse,
    ItemNotFound,
    ReservationNotActive,
    ReservationNotFound,
    SameBranch,
    ToBranchRequired,
    TransferInsufficientStock,
    TransferItemNotFound,
    TransferNotFound,
    TransferNotInTransit,
)
from inventory_app.models import (
    BranchAssignment,
    Category,
    InventoryItem,
    SellerGrant,
    StockAlert,
    StockLevel,
    StockMovement,
    StockReservation,
    StockTransfer,
)
from inventory_app.scoping import EVERYWHERE, BranchAccess
from inventory_app.selectors.access import branch_access, branch_access_of
from tests.factories import make_category, make_item, make_user, stock
from tests.helpers import MISSING as MISSING_TEXT

MISSING = uuid.UUID(MISSING_TEXT)  # services take UUIDs, as the serializers give them


def row(item, branch) -> tuple[int, int] | None:
    found = StockLevel.objects.filter(inventory_item=item, branch=branch).first()
    return None if found is None else (found.quantity, found.reserved_quantity)


@pytest.fixture
def scoped(db, branch):
    """A seller assigned to the warehouse only."""
    seller = make_user(RoleName.SELLER)
    BranchAssignment.objects.create(user=seller, branch=branch)
    return branch_access(user_id=seller.pk, role="seller")


# -- catalog ----------------------------------------------------------------------------------
def test_branch_services(db):
    branch = services.branch_create(name="North", code="N-1", city="Phnom Penh", is_active=False)
    assert (branch.is_active, branch.city) == (True, "Phnom Penh")  # new branches are active
    with pytest.raises(BranchExists):
        services.branch_create(name="Again", code="N-1")
    updated = services.branch_update(branch_id=branch.pk, changes={"name": "Nord", "code": "X"})
    assert (updated.name, updated.code) == ("Nord", "N-1")  # the code is immutable
    with pytest.raises(BranchNotFound):
        services.branch_update(branch_id=MISSING, changes={})
    services.branch_delete(branch_id=branch.pk)
    with pytest.raises(BranchNotFound):
        services.branch_delete(branch_id=branch.pk)


def test_a_branch_in_use_cannot_be_deleted(item, branch, other_branch):
    stock(item, branch, 3)
    with pytest.raises(BranchInUse):
        services.branch_delete(branch_id=branch.pk)
    lines = [{"inventory_item_id": item.pk, "quantity": 1}]
    services.transfer_dispatch(from_branch_id=branch.pk, to_branch_id=other_branch.pk, lines=lines, dispatched_by=None)
    with pytest.raises(BranchInUse):  # a transfer on its way to it
        services.branch_delete(branch_id=other_branch.pk)


def test_category_services(db):
    root = services.category_create(name="Root")
    child = services.category_create(name="Child", parent_category_id=root.pk)
    with pytest.raises(CategoryExists):
        services.category_create(name="Root")
    with pytest.raises(CategoryNotFound):
        services.category_create(name="Orphan", parent_category_id=MISSING)
    with pytest.raises(CategoryCycle):
        services.category_update(category_id=root.pk, changes={"parent_category_id": child.pk})
    services.category_update(category_id=child.pk, changes={"parent_category_id": None})
    assert Category.objects.get(pk=child.pk).parent_category_id is None
    item = services.item_create(sku="S-1", name="n", unit_of_measure="u", unit_price=1, category_id=root.pk)
    services.category_delete(category_id=root.pk)
    assert InventoryItem.objects.get(pk=item.pk).category_id is None


def test_item_services(db, branch):
    category = make_category("Cat")
    item = services.item_create(
        sku="S-1", name="n", unit_of_measure="u", unit_price=1, category_id=category.pk, is_active=False
    )
    assert (item.is_active, item.reorder_level, item.reorder_quantity) == (True, 10, 50)
    with pytest.raises(ItemExists):
        services.item_create(sku="S-1", name="n", unit_of_measure="u", unit_price=1)
    with pytest.raises(CategoryNotFound):
        services.item_update(item_id=item.pk, changes={"category_id": MISSING})
    with pytest.raises(ItemNotFound):
        services.item_update(item_id=MISSING, changes={})
    stock(item, branch, 1)
    with pytest.raises(ItemInUse):
        services.item_delete(item_id=item.pk)
    unused = make_item("FREE")
    services.item_delete(item_id=unused.pk)
    assert not InventoryItem.objects.filter(pk=unused.pk).exists()


def test_item_update_opens_and_resolves_alerts_of_every_branch(item, branch, other_branch):
    stock(item, branch, 8)
    stock(item, other_branch, 20)
    services.item_update(item_id=item.pk, changes={"reorder_level": 10})
    assert set(StockAlert.objects.filter(status="OPEN").values_list("branch_id", flat=True)) == {branch.pk}
    services.item_update(item_id=item.pk, changes={"reorder_level": 25})
    assert StockAlert.objects.filter(status="OPEN").count() == 2
    services.item_update(item_id=item.pk, changes={"name": "Renamed"})  # no rule field: nothing changes
    assert StockAlert.objects.filter(status="OPEN").count() == 2


# -- movements --------------------------------------------------------------------------------
def test_movement_effect_rules():
    assert services.movement_effect("IN", None, MISSING).increase == MISSING
    with pytest.raises(ToBranchRequired, match="TO branch required for RETURN movement"):
        services.movement_effect("RETURN", MISSING, None)
    with pytest.raises(FromBranchRequired):
        services.movement_effect("OUT", None, MISSING)
    with pytest.raises(SameBranch):
        services.movement_effect("TRANSFER", MISSING, MISSING)
    plan = services.movement_effect("ADJUSTMENT", MISSING, MISSING)
    assert (plan.decrease, plan.increase) == (None, MISSING)


def test_movement_create_and_refusals(item, branch, other_branch):
    services.movement_create(
        inventory_item_id=item.pk, movement_type="IN", quantity=5, to_branch_id=branch.pk, performed_by=None
    )
    with pytest.raises(InsufficientStock) as refused:
        services.movement_create(
            inventory_item_id=item.pk,
            movement_type="TRANSFER",
            quantity=6,
            from_branch_id=branch.pk,
            to_branch_id=other_branch.pk,
            performed_by=None,
        )
    assert (refused.value.details, refused.value.keep_changes) == ({"available": 5, "requested": 6}, True)
    assert row(item, other_branch) is None  # no trace of the refused transfer
    with pytest.raises(ItemNotFound):
        services.movement_create(
            inventory_item_id=MISSING, movement_type="IN", quantity=1, to_branch_id=branch.pk, performed_by=None
        )
    with pytest.raises(BranchNotFound, match="From branch not found"):
        services.movement_create(
            inventory_item_id=item.pk,
            movement_type="TRANSFER",
            quantity=1,
            from_branch_id=MISSING,
            to_branch_id=branch.pk,
            performed_by=None,
        )
    assert StockMovement.objects.count() == 1


@pytest.mark.parametrize("kind", ["IN", "RETURN", "ADJUSTMENT"])
def test_a_one_row_movement_refused_by_a_check_creates_no_row(item, branch, other_branch, scoped, kind):
    """The item, branch and stock row locks are one statement (services.ledger.lock_for_movement):
    it creates the increased row only when every check passes, and the checks keep their order."""
    add = {"movement_type": kind, "quantity": 1, "performed_by": None}
    with pytest.raises(ItemNotFound):
        services.movement_create(inventory_item_id=MISSING, to_branch_id=branch.pk, **add)
    with pytest.raises(BranchNotFound, match="From branch not found"):  # from first, then to
        services.movement_create(inventory_item_id=item.pk, from_branch_id=MISSING, to_branch_id=MISSING, **add)
    with pytest.raises(BranchAccessDenied) as denied:
        services.movement_create(inventory_item_id=item.pk, to_branch_id=other_branch.pk, scope=scoped, **add)
    assert denied.value.details == {"branch_id": other_branch.pk}
    if kind == "ADJUSTMENT":  # the FROM branch it only records is checked too
        with pytest.raises(BranchAccessDenied):
            services.movement_create(
                inventory_item_id=item.pk, from_branch_id=other_branch.pk, to_branch_id=branch.pk, scope=scoped, **add
            )
    assert row(item, branch) is None
    assert row(item, other_branch) is None
    assert not StockMovement.objects.exists()
    movement = services.movement_create(inventory_item_id=item.pk, to_branch_id=branch.pk, scope=scoped, **add)
    assert (movement.to_balance_after, movement.from_balance_after, row(item, branch)) == (1, None, (1, 0))
    assert (movement.inventory_item.sku, movement.to_branch.name, movement.from_branch) == (item.sku, branch.name, None)


def test_movement_create_is_scoped(item, branch, other_branch, scoped):
    stock(item, branch, 5)
    services.movement_create(
        inventory_item_id=item.pk, movement_type="OUT", quantity=1, from_branch_id=branch.pk, performed_by=None,
        scope=scoped,
    )  # fmt: skip
    with pytest.raises(BranchAccessDenied) as denied:
        services.movement_create(
            inventory_item_id=item.pk, movement_type="TRANSFER", quantity=1, from_branch_id=branch.pk,
            to_branch_id=other_branch.pk, performed_by=None, scope=scoped,
        )  # fmt: skip
    assert denied.value.details == {"branch_id": other_branch.pk}
    assert row(item, branch) == (4, 0)
    assert row(item, other_branch) is None


# -- reservations -----------------------------------------------------------------------------
def test_reservation_services(item, branch, other_branch, scoped):
    stock(item, branch, 10)
    stock(item, other_branch, 10)
    held = services.reservation_create(inventory_item_id=item.pk, branch_id=branch.pk, quantity=4, created_by=None)
    elsewhere = services.reservation_create(
        inventory_item_id=item.pk, branch_id=other_branch.pk, quantity=1, created_by=None
    )
    with pytest.raises(BranchAccessDenied):
        services.reservation_create(
            inventory_item_id=item.pk, branch_id=other_branch.pk, quantity=1, created_by=None, scope=scoped
        )
    with pytest.raises(ReservationNotFound):  # outside the scope: not found
        services.reservation_release(reservation_id=elsewhere.pk, scope=scoped)
    committed = services.reservation_commit(reservation_id=held.pk, performed_by=None, scope=scoped)
    assert (committed.status, committed.movement.quantity, row(item, branch)) == ("COMMITTED", 4, (6, 0))
    with pytest.raises(ReservationNotActive):
        services.reservation_release(reservation_id=held.pk)
    with pytest.raises(InsufficientStock):
        services.reservation_create(inventory_item_id=item.pk, branch_id=branch.pk, quantity=7, created_by=None)


def test_bulk_expiry_returns_units_once(item, branch):
    stock(item, branch, 10)
    for quantity in (2, 3):
        services.reservation_create(inventory_item_id=item.pk, branch_id=branch.pk, quantity=quantity, created_by=None)
    StockReservation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.reservations_release_expired() == 2
    assert services.reservations_release_expired() == 0
    assert row(item, branch) == (10, 0)


# -- transfers --------------------------------------------------------------------------------
def test_transfer_services(item, branch, other_branch, scoped):
    stock(item, branch, 10)
    lines = [{"inventory_item_id": item.pk, "quantity": 4}]
    with pytest.raises(SameBranch):
        services.transfer_dispatch(from_branch_id=branch.pk, to_branch_id=branch.pk, lines=lines, dispatched_by=None)
    with pytest.raises(TransferItemNotFound) as missing:
        services.transfer_dispatch(
            from_branch_id=branch.pk, to_branch_id=other_branch.pk, dispatched_by=None,
            lines=[*lines, {"inventory_item_id": MISSING, "quantity": 1}],
        )  # fmt: skip
    assert (missing.value.http_status, missing.value.details) == (400, {"inventory_item_id": MISSING})
    with pytest.raises(TransferInsufficientStock) as short:
        services.transfer_dispatch(
            from_branch_id=branch.pk, to_branch_id=other_branch.pk, dispatched_by=None,
            lines=[{"inventory_item_id": item.pk, "quantity": 11}],
        )  # fmt: skip
    assert short.value.details == {"inventory_item_id": item.pk, "available": 10, "requested": 11}
    with pytest.raises(BranchAccessDenied):  # scoped on the from branch
        services.transfer_dispatch(
            from_branch_id=other_branch.pk, to_branch_id=branch.pk, lines=lines, dispatched_by=None, scope=scoped
        )
    transfer = services.transfer_dispatch(
        from_branch_id=branch.pk, to_branch_id=other_branch.pk, lines=lines, dispatched_by=None, scope=scoped
    )
    with pytest.raises(BranchAccessDenied):  # receive needs the to branch
        services.transfer_receive(transfer_id=transfer.pk, received_by=None, scope=scoped)
    with pytest.raises(TransferNotFound):
        services.transfer_cancel(transfer_id=MISSING, cancelled_by=None)
    services.transfer_cancel(transfer_id=transfer.pk, cancelled_by=None, scope=scoped)
    with pytest.raises(TransferNotInTransit, match=r"status: CANCELLED"):
        services.transfer_receive(transfer_id=transfer.pk, received_by=None)
    assert (row(item, branch), StockTransfer.objects.get().status) == ((10, 0), "CANCELLED")


def test_named_rows_check_follows_the_order_of_the_writes(item, branch, other_branch, scoped):
    check = services.named_rows_check
    check(EVERYWHERE, inventory_item_id=MISSING, branches=[("from_branch_id", MISSING)])  # unrestricted: no checks
    with pytest.raises(ItemNotFound):
        check(scoped, inventory_item_id=MISSING, branches=[("from_branch_id", MISSING)])
    with pytest.raises(BranchNotFound, match="To branch not found"):
        check(
            scoped, inventory_item_id=item.pk, branches=[("from_branch_id", other_branch.pk), ("to_branch_id", MISSING)]
        )
    with pytest.raises(BranchAccessDenied) as denied:
        check(
            scoped,
            inventory_item_id=item.pk,
            branches=[("from_branch_id", other_branch.pk), ("to_branch_id", branch.pk)],
        )
    assert denied.value.details == {"branch_id": other_branch.pk}
    check(
        scoped, branches=[("from_branch_id", branch.pk), ("to_branch_id", other_branch.pk)], scoped=("from_branch_id",)
    )


# -- scoping and alerts -----------------------------------------------------------------------
def test_branch_access_of_a_request(db, branch):
    """Admins every branch; a seller its grant, else its assignments, else none; customers and
    callers without a token none (docs/api.md §36: fail closed)."""
    seller = make_user(RoleName.SELLER)

    def of(role, pk=seller.pk):
        return branch_access_of(SimpleNamespace(auth={"role": role} if role else None, user=SimpleNamespace(pk=pk)))

    assert of("admin", MISSING).every
    assert of("seller").is_empty
    assert of("customer").is_empty
    assert of(None).is_empty
    BranchAssignment.objects.create(user=seller, branch=branch)
    assert of("seller") == BranchAccess(branch_ids=frozenset({branch.pk}))
    SellerGrant.objects.create(user=seller)
    assert of("seller").every


def test_restrict_keeps_the_rows_of_assigned_branches(item, branch, other_branch, scoped):
    stock(item, branch, 1)
    stock(item, other_branch, 1)
    assert list(StockLevel.objects.restrict(scoped).values_list("branch_id", flat=True)) == [branch.pk]
    assert StockLevel.objects.restrict(EVERYWHERE).count() == 2
    pending = branch_access(user_id=make_user(RoleName.SELLER).pk, role="seller")
    assert StockMovement.objects.restrict(pending).count() == 0  # no grant, no assignment: nothing
    assert StockLevel.objects.restrict(pending).count() == 0


def test_alerts_sync_returns_what_it_opened(item, branch):
    StockLevel.objects.create(inventory_item=item, branch=branch, quantity=2)
    opened = services.alerts_sync(pairs=[(item.pk, branch.pk)], notify=False)
    assert [a.pk for a in StockAlert.objects.all()] == opened
    assert services.alerts_sync(inventory_item_id=item.pk) == []  # already open
    assert services.alerts_sync(pairs=[]) == []
