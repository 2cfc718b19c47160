"""Housekeeping: ledger reconciliation (``reconcile_stock``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import connection, transaction

from inventory_app.models import (
    MovementType,
    ReservationStatus,
    StockLevel,
    StockMovement,
    StockReservation,
)

STOCK = StockLevel._meta.db_table
MOVEMENTS = StockMovement._meta.db_table
RESERVATIONS = StockReservation._meta.db_table
RECONCILE_REFERENCE = "RECONCILE"


# Signed ledger per (item, branch), matching the effects of §12: increases go to ``to`` for IN,
# RETURN, TRANSFER and ADJUSTMENT; decreases come from ``from`` for OUT, TRANSFER and an
# ADJUSTMENT without ``to``. Unused branch fields have no effect.
LEDGER_SQL = f"""
    SELECT inventory_item_id, branch_id, SUM(q) AS q FROM (
        SELECT inventory_item_id, to_branch_id AS branch_id, quantity::bigint AS q FROM {MOVEMENTS}
        WHERE to_branch_id IS NOT NULL AND movement_type IN ('IN', 'RETURN', 'TRANSFER', 'ADJUSTMENT')
        UNION ALL
        SELECT inventory_item_id, from_branch_id, -quantity::bigint FROM {MOVEMENTS}
        WHERE from_branch_id IS NOT NULL
          AND (movement_type IN ('OUT', 'TRANSFER') OR (movement_type = 'ADJUSTMENT' AND to_branch_id IS NULL))
    ) signed
    GROUP BY inventory_item_id, branch_id
"""  # noqa: S608 - table names from model metadata

QUANTITY_DRIFT_SQL = f"""
    WITH ledger AS ({LEDGER_SQL})
    SELECT COALESCE(s.inventory_item_id, l.inventory_item_id), COALESCE(s.branch_id, l.branch_id),
           COALESCE(s.quantity, 0), COALESCE(l.q, 0)
    FROM {STOCK} s
    FULL OUTER JOIN ledger l ON l.inventory_item_id = s.inventory_item_id AND l.branch_id = s.branch_id
    WHERE COALESCE(s.quantity, 0) <> COALESCE(l.q, 0)
    ORDER BY 1, 2
"""  # noqa: S608

RESERVED_DRIFT_SQL = f"""
    WITH active AS (
        SELECT inventory_item_id, branch_id, SUM(quantity)::bigint AS q FROM {RESERVATIONS}
        WHERE status = 'ACTIVE' GROUP BY inventory_item_id, branch_id
    )
    SELECT COALESCE(s.inventory_item_id, a.inventory_item_id), COALESCE(s.branch_id, a.branch_id),
           COALESCE(s.reserved_quantity, 0), COALESCE(a.q, 0)
    FROM {STOCK} s
    FULL OUTER JOIN active a ON a.inventory_item_id = s.inventory_item_id AND a.branch_id = s.branch_id
    WHERE COALESCE(s.reserved_quantity, 0) <> COALESCE(a.q, 0)
    ORDER BY 1, 2
"""  # noqa: S608


@dataclass(frozen=True)
class Drift:
    kind: str  # "quantity" or "reserved"
    inventory_item_id: uuid.UUID
    branch_id: uuid.UUID
    stored: int  # stock_levels.quantity / reserved_quantity
    expected: int  # the ledger's sum / the sum of ACTIVE reservations
    fixed: bool = False


def _rows(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def stock_drift() -> list[Drift]:
    """Every (item, branch) whose quantity differs from its ledger or whose reserved quantity
    differs from the sum of its ACTIVE reservations (one snapshot: a single transaction at
    REPEATABLE READ would be stricter; each query is consistent on its own)."""
    drift = [Drift("quantity", *row) for row in _rows(QUANTITY_DRIFT_SQL)]
    drift += [Drift("reserved", *row) for row in _rows(RESERVED_DRIFT_SQL)]
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
            ledger = _rows(
                f"SELECT COALESCE(SUM(q), 0) FROM ({LEDGER_SQL}) l WHERE inventory_item_id = %s AND branch_id = %s",  # noqa: S608
                [drift.inventory_item_id, drift.branch_id],
            )[0][0]
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
            )
            return True
        active = StockReservation.objects.filter(
            inventory_item_id=drift.inventory_item_id, branch_id=drift.branch_id, status=ReservationStatus.ACTIVE
        ).values_list("quantity", flat=True)
        expected = sum(active)
        if row is None or expected > quantity:
            return False  # cannot be represented on the row; needs a person
        row.reserved_quantity = expected
        row.save(update_fields=["reserved_quantity", "updated_at"])
        return True


def stock_reconcile(*, fix: bool = False) -> list[Drift]:
    """Report drift; with ``fix`` repair it (quantity: an ADJUSTMENT movement; reserved: the
    row's reserved quantity is set to its ACTIVE reservations when that fits)."""
    drift = stock_drift()
    if not fix:
        return drift
    return [Drift(d.kind, d.inventory_item_id, d.branch_id, d.stored, d.expected, fixed=_fix(d)) for d in drift]
