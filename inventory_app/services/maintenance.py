"""Housekeeping: ledger reconciliation (``reconcile_stock``, docs/api.md §12, §14.4, §28)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import connection, transaction

from inventory_app import sql as statements
from inventory_app.models import (
    MovementType,
    ReservationStatus,
    StockLevel,
    StockMovement,
    StockReservation,
)
from inventory_app.services.alerts import alerts_sync

RECONCILE_REFERENCE = "RECONCILE"


@dataclass(frozen=True)
class Drift:
    kind: str  # "quantity", "reserved" or "balance"
    inventory_item_id: uuid.UUID
    branch_id: uuid.UUID
    stored: int | None  # stock_levels.quantity / reserved_quantity / the balance a movement recorded
    expected: int  # the ledger's sum / the sum of ACTIVE reservations / the ledger's sum up to it
    fixed: bool = False


def _rows(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def stock_drift() -> list[Drift]:
    """Every (item, branch) whose quantity differs from its ledger, whose reserved quantity
    differs from the sum of its ACTIVE reservations, or whose ledger balances break the chain.
    Together they prove that the balance after each row's latest movement is its quantity. One
    snapshot: the queries run in one REPEATABLE READ transaction (concurrent writes are not seen
    half-way) unless the caller already runs a transaction."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute(statements.REPEATABLE_READ)
        drift = [Drift("quantity", *row) for row in _rows(statements.QUANTITY_DRIFT)]
        drift += [Drift("reserved", *row) for row in _rows(statements.RESERVED_DRIFT)]
        drift += [Drift("balance", *row) for row in _rows(statements.BALANCE_DRIFT)]
    return drift


def _fix(drift: Drift) -> bool:
    """Repair one drifted pair under the row lock, re-checking it first."""
    with transaction.atomic():
        row = (
            StockLevel.objects.select_for_update()
            .filter(inventory_item_id=drift.inventory_item_id, branch_id=drift.branch_id)
            .first()
        )
        quantity = row.quantity if row else 0
        if drift.kind == "quantity":
            ledger = _rows(statements.PAIR_LEDGER, [drift.inventory_item_id, drift.branch_id])[0][0]
            difference = quantity - int(ledger)
            if difference == 0:
                return True
            # The stored quantity is what is on the shelf; the ledger gets the unexplained difference.
            StockMovement.objects.create(
                inventory_item_id=drift.inventory_item_id,
                to_branch_id=drift.branch_id if difference > 0 else None,
                from_branch_id=drift.branch_id if difference < 0 else None,
                movement_type=MovementType.ADJUSTMENT,
                quantity=abs(difference),
                reference_number=RECONCILE_REFERENCE,
                notes=f"Reconciliation: quantity {quantity}, ledger {ledger}",
                to_balance_after=quantity if difference > 0 else None,
                from_balance_after=quantity if difference < 0 else None,
            )
            return True
        if drift.kind == "balance":
            _recompute_balances(drift.inventory_item_id, drift.branch_id)
            return True
        active = StockReservation.objects.filter(
            inventory_item_id=drift.inventory_item_id, branch_id=drift.branch_id, status=ReservationStatus.ACTIVE
        ).values_list("quantity", flat=True)
        expected = sum(active)
        if row is None or expected > quantity:
            return False  # cannot be represented on the row; needs a person
        row.reserved_quantity = expected
        row.save(update_fields=["reserved_quantity", "updated_at"])
        alerts_sync(pairs=[(drift.inventory_item_id, drift.branch_id)])  # the available quantity changed
        return True


def _recompute_balances(item_id: uuid.UUID, branch_id: uuid.UUID) -> None:
    """Rewrite the recorded balances of one (item, branch) from its ledger, in ledger order. The
    balances are derived from the movements (their quantities and types stay as they are); the
    caller holds the stock row lock, so no movement of this pair is appended meanwhile."""
    with connection.cursor() as cursor:
        cursor.execute(statements.RECOMPUTE_BALANCES, [item_id, branch_id])


def stock_reconcile(*, fix: bool = False) -> list[Drift]:
    """Report drift; with ``fix`` repair it (quantity: an ADJUSTMENT movement whose balance is the
    stored quantity; reserved: the row's reserved quantity is set to its ACTIVE reservations when
    that fits; balance: the pair's recorded balances are recomputed from its ledger). Quantity
    drift is repaired first, so a recomputed chain ends at the stored quantity."""
    drift = stock_drift()
    if not fix:
        return drift
    order = {"quantity": 0, "reserved": 1, "balance": 2}
    drift.sort(key=lambda d: order[d.kind])
    return [Drift(d.kind, d.inventory_item_id, d.branch_id, d.stored, d.expected, fixed=_fix(d)) for d in drift]
