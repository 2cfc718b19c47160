"""Balances in the ledger (docs/api.md §28): every movement records the quantity of the row it
changed right after it; the migration backfills them; ``reconcile_stock`` checks and repairs them."""

from __future__ import annotations

import importlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from inventory_app import services
from inventory_app.models import MovementType, StockLevel, StockMovement
from tests.factories import stock
from tests.inventory_app.conftest import BASE


def move(movement_type, item, quantity, src=None, dst=None):
    return services.movement_create(
        inventory_item_id=item.pk,
        movement_type=movement_type,
        quantity=quantity,
        from_branch_id=getattr(src, "pk", None),
        to_branch_id=getattr(dst, "pk", None),
        performed_by=None,
    )


def balances(movement) -> tuple[int | None, int | None]:
    return movement.from_balance_after, movement.to_balance_after


def test_each_type_records_the_side_it_changed(item, branch, other_branch):
    assert balances(move("IN", item, 10, dst=branch)) == (None, 10)
    assert balances(move("OUT", item, 3, src=branch)) == (7, None)
    assert balances(move("TRANSFER", item, 2, src=branch, dst=other_branch)) == (5, 2)
    assert balances(move("RETURN", item, 1, dst=other_branch)) == (None, 3)
    assert balances(move("ADJUSTMENT", item, 4, src=branch)) == (1, None)
    assert balances(move("ADJUSTMENT", item, 4, src=branch, dst=other_branch)) == (None, 7)  # from: stored only
    assert balances(move("IN", item, 1, src=other_branch, dst=branch)) == (None, 2)  # unused from: no balance


def test_reservation_commits_and_transfers_record_balances(item, branch, other_branch):
    move("IN", item, 10, dst=branch)
    held = services.reservation_create(inventory_item_id=item.pk, branch_id=branch.pk, quantity=4, created_by=None)
    committed = services.reservation_commit(reservation_id=held.pk, performed_by=None)
    assert balances(committed.movement) == (6, None)
    lines = [{"inventory_item_id": item.pk, "quantity": 5}]
    transfer = services.transfer_dispatch(
        from_branch_id=branch.pk, to_branch_id=other_branch.pk, lines=lines, dispatched_by=None
    )
    services.transfer_receive(transfer_id=transfer.pk, received_by=None)
    by_type = {m.movement_type: balances(m) for m in StockMovement.objects.filter(transfer=transfer)}
    assert by_type == {MovementType.TRANSFER_OUT: (1, None), MovementType.TRANSFER_IN: (None, 5)}


def test_the_api_returns_the_balances(admin_client, item, branch):
    body = {"inventoryItemId": str(item.pk), "movementType": "IN", "quantity": 9, "toBranchId": str(branch.pk)}
    data = admin_client.post(f"{BASE}/movements", body, format="json").json()["data"]
    assert (data["fromBalanceAfter"], data["toBalanceAfter"], data["transferId"]) == (None, 9, None)


def test_the_latest_balance_of_every_row_is_its_quantity(item, branch, other_branch):
    move("IN", item, 10, dst=branch)
    move("TRANSFER", item, 4, src=branch, dst=other_branch)
    move("OUT", item, 1, src=other_branch)
    for row in StockLevel.objects.all():
        side = StockMovement.objects.filter(inventory_item=row.inventory_item)
        latest = [
            m.to_balance_after
            if m.to_branch_id == row.branch_id and m.to_balance_after is not None
            else m.from_balance_after
            for m in side.order_by("created_at", "id")
            if row.branch_id in (m.from_branch_id, m.to_branch_id)
        ][-1]
        assert latest == row.quantity


# -- the migration backfill -------------------------------------------------------------------
def test_the_migration_backfills_in_ledger_order(item, branch, other_branch):
    """Balances written by the services are exactly what the migration computes from the ledger."""
    stock(item, branch, 10)
    move("OUT", item, 3, src=branch)
    move("TRANSFER", item, 5, src=branch, dst=other_branch)
    move("ADJUSTMENT", item, 2, src=other_branch)
    move("RETURN", item, 1, dst=branch)
    lines = [{"inventory_item_id": item.pk, "quantity": 1}]
    transfer = services.transfer_dispatch(
        from_branch_id=other_branch.pk, to_branch_id=branch.pk, lines=lines, dispatched_by=None
    )
    services.transfer_cancel(transfer_id=transfer.pk, cancelled_by=None)
    written = {m.pk: balances(m) for m in StockMovement.objects.all()}
    StockMovement.objects.update(from_balance_after=None, to_balance_after=None)
    migration = importlib.import_module("inventory_app.migrations.0006_backfill_balances_and_alerts")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL_BALANCES)
    assert {m.pk: balances(m) for m in StockMovement.objects.all()} == written
    call_command("reconcile_stock")


# -- reconcile_stock --------------------------------------------------------------------------
@pytest.fixture
def ledger(item, branch):
    move("IN", item, 10, dst=branch)
    move("OUT", item, 3, src=branch)
    return StockMovement.objects.order_by("created_at", "id")


def test_reconcile_reports_a_broken_chain_and_fix_recomputes_it(ledger, item, branch, capsys):
    first = ledger[0]
    StockMovement.objects.filter(pk=first.pk).update(to_balance_after=11)
    with pytest.raises(CommandError, match=r"Stock drift found in 1 row\(s\)"):
        call_command("reconcile_stock")
    out = capsys.readouterr().out
    assert "BALANCE DRIFT item LAP-1" in out
    assert "a movement recorded balance 11, ledger 10" in out
    call_command("reconcile_stock", "--fix")
    assert "-> fixed" in capsys.readouterr().out
    assert [balances(m) for m in ledger.all()] == [(None, 10), (7, None)]
    call_command("reconcile_stock")


def test_a_missing_balance_is_drift(ledger):
    StockMovement.objects.filter(pk=ledger[1].pk).update(from_balance_after=None)
    with pytest.raises(CommandError):
        call_command("reconcile_stock")


def test_quantity_fix_records_the_balance_it_restores(ledger, item, branch, capsys):
    """The ADJUSTMENT that makes the ledger match the shelf ends the chain at the stored quantity."""
    StockLevel.objects.filter(inventory_item=item, branch=branch).update(quantity=12)
    with pytest.raises(CommandError):
        call_command("reconcile_stock")
    assert "QUANTITY DRIFT" in capsys.readouterr().out
    call_command("reconcile_stock", "--fix")
    adjustment = StockMovement.objects.get(reference_number="RECONCILE")
    assert (adjustment.movement_type, adjustment.quantity, balances(adjustment)) == ("ADJUSTMENT", 5, (None, 12))
    call_command("reconcile_stock")
