"""Housekeeping: ledger reconciliation (``reconcile_stock``, docs/api.md §12, §14.4, §28)."""

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
from inventory_app.services.alerts import alerts_sync
from inventory_app.tables import MOVEMENTS, RESERVATIONS, STOCK

RECONCILE_REFERENCE = "RECONCILE"


# The sides of the ledger: one row per (movement, stock row it changed), with the signed change and
# the balance the movement recorded there, matching the effects of §12 and §27: increases go to
# ``to`` for IN, RETURN, TRANSFER, TRANSFER_IN and ADJUSTMENT; decreases come from ``from`` for OUT,
# TRANSFER, TRANSFER_OUT and an ADJUSTMENT without ``to``. Unused branch fields have no effect.
SIDES_SQL = f"""
    SELECT id, created_at, inventory_item_id, to_branch_id AS branch_id, quantity::bigint AS delta,
           to_balance_after AS recorded
    FROM {MOVEMENTS}
    WHERE to_branch_id IS NOT NULL
      AND movement_type IN ('IN', 'RETURN', 'TRANSFER', 'TRANSFER_IN', 'ADJUSTMENT')
    UNION ALL
    SELECT id, created_at, inventory_item_id, from_branch_id, -quantity::bigint, from_balance_after
    FROM {MOVEMENTS}
    WHERE from_branch_id IS NOT NULL
      AND (movement_type IN ('OUT', 'TRANSFER', 'TRANSFER_OUT')
           OR (movement_type = 'ADJUSTMENT' AND to_branch_id IS NULL))
"""  # noqa: S608 - table names from model metadata

# Signed ledger per (item, branch).
LEDGER_SQL = f"""
    SELECT inventory_item_id, branch_id, SUM(delta) AS q FROM ({SIDES_SQL}) sides
    GROUP BY inventory_item_id, branch_id
"""  # noqa: S608

# Per (item, branch), the first movement in ledger order (created_at, id) whose recorded balance
# is not the running sum of the ledger up to it (docs/api.md §28).
BALANCE_DRIFT_SQL = f"""
    WITH running AS (
        SELECT inventory_item_id, branch_id, id, created_at, recorded,
               SUM(delta) OVER (PARTITION BY inventory_item_id, branch_id ORDER BY created_at, id
                                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS expected
        FROM ({SIDES_SQL}) sides
    )
    SELECT DISTINCT ON (inventory_item_id, branch_id) inventory_item_id, branch_id, recorded, expected
    FROM running WHERE recorded IS DISTINCT FROM expected
    ORDER BY inventory_item_id, branch_id, created_at, id
"""  # noqa: S608

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
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        drift = [Drift("quantity", *row) for row in _rows(QUANTITY_DRIFT_SQL)]
        drift += [Drift("reserved", *row) for row in _rows(RESERVED_DRIFT_SQL)]
        drift += [Drift("balance", *row) for row in _rows(BALANCE_DRIFT_SQL)]
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
        cursor.execute(
            f"""
            WITH running AS (
                SELECT id, branch_id, delta,
                       SUM(delta) OVER (ORDER BY created_at, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS b
                FROM ({SIDES_SQL}) sides WHERE inventory_item_id = %s AND branch_id = %s
            )
            UPDATE {MOVEMENTS} m
            SET to_balance_after = CASE WHEN r.delta > 0 THEN r.b ELSE m.to_balance_after END,
                from_balance_after = CASE WHEN r.delta < 0 THEN r.b ELSE m.from_balance_after END
            FROM running r WHERE r.id = m.id
            """,  # noqa: S608 - table names from model metadata
            [item_id, branch_id],
        )


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
