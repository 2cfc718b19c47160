"""The stock ledger: movements and reservations (docs/api.md §12, §14).

Every stock change is one transaction that
1. takes ``FOR KEY SHARE`` on the item and branch rows (a concurrent delete waits, and a deleted
   row is reported as not found instead of failing a foreign key),
2. creates missing rows that will be increased with ``INSERT … ON CONFLICT DO NOTHING`` (no row
   locks are held yet, so waiting for a concurrent creator cannot deadlock),
3. locks the affected ``stock_levels`` rows with ``SELECT … FOR UPDATE ORDER BY id``,
4. expires the due reservations of those rows,
5. checks availability (``quantity - reserved_quantity``), writes the new values and appends
   the movement.

Errors that must not undo step 4 (``INSUFFICIENT_STOCK``, ``RESERVATION_NOT_ACTIVE``) are
raised after the transaction block has finished; they carry ``keep_changes = True`` so the
idempotency wrapper commits too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from inventory_app import metrics
from inventory_app.exceptions import (
    BothBranchesRequired,
    BranchNotFound,
    BranchRequired,
    FromBranchRequired,
    InsufficientStock,
    ItemNotFound,
    ReservationNotActive,
    ReservationNotFound,
    SameBranch,
    ToBranchRequired,
)
from inventory_app.models import (
    Branch,
    InventoryItem,
    MovementType,
    ReservationStatus,
    StockLevel,
    StockMovement,
    StockReservation,
)

STOCK = StockLevel._meta.db_table
RESERVATIONS = StockReservation._meta.db_table


@dataclass
class MovementEffect:
    """Which rows a movement changes: ``decrease`` is checked for availability."""

    decrease: uuid.UUID | None
    increase: uuid.UUID | None


def movement_effect(
    movement_type: str, from_branch_id: uuid.UUID | None, to_branch_id: uuid.UUID | None
) -> MovementEffect:
    """The branch-field rules of §12 (400 ``INVALID_MOVEMENT``) and the rows each type changes."""
    if movement_type in (MovementType.IN, MovementType.RETURN):
        if to_branch_id is None:
            raise ToBranchRequired(movement_type=movement_type)
        return MovementEffect(decrease=None, increase=to_branch_id)
    if movement_type == MovementType.OUT:
        if from_branch_id is None:
            raise FromBranchRequired
        return MovementEffect(decrease=from_branch_id, increase=None)
    if movement_type == MovementType.TRANSFER:
        if from_branch_id is None or to_branch_id is None:
            raise BothBranchesRequired
        if from_branch_id == to_branch_id:
            raise SameBranch
        return MovementEffect(decrease=from_branch_id, increase=to_branch_id)
    # ADJUSTMENT: with a TO branch it adds there (a FROM branch is then only recorded)
    if from_branch_id is None and to_branch_id is None:
        raise BranchRequired
    if to_branch_id is not None:
        return MovementEffect(decrease=None, increase=to_branch_id)
    return MovementEffect(decrease=from_branch_id, increase=None)


# -- shared steps -----------------------------------------------------------------------------
def _item_locked_against_delete(item_id: uuid.UUID) -> InventoryItem | None:
    rows = list(
        InventoryItem.objects.raw(
            f"SELECT id, name, sku FROM {InventoryItem._meta.db_table} WHERE id = %s FOR KEY SHARE",  # noqa: S608
            [item_id],
        )
    )
    return rows[0] if rows else None


def _branches_locked_against_delete(branch_ids: list[uuid.UUID]) -> dict[uuid.UUID, Branch]:
    rows = Branch.objects.raw(
        f"SELECT id, name FROM {Branch._meta.db_table} WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE",  # noqa: S608
        [branch_ids],
    )
    return {branch.pk: branch for branch in rows}


def _ensure_row(item_id: uuid.UUID, branch_id: uuid.UUID) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {STOCK} (id, inventory_item_id, branch_id, quantity, reserved_quantity, updated_at)
            VALUES (%s, %s, %s, 0, 0, now())
            ON CONFLICT (inventory_item_id, branch_id) DO NOTHING
            """,  # noqa: S608 - table name from model metadata
            [uuid.uuid4(), item_id, branch_id],
        )


def _lock_rows(item_id: uuid.UUID, branch_ids: list[uuid.UUID]) -> dict[uuid.UUID, StockLevel]:
    """Lock the item's rows at these branches, in primary-key order."""
    rows = (
        StockLevel.objects.select_for_update()
        .filter(inventory_item_id=item_id, branch_id__in=branch_ids)
        .order_by("id")
        .only("id", "branch_id", "quantity", "reserved_quantity")
    )
    return {row.branch_id: row for row in rows}


def _expire_due(item_id: uuid.UUID, rows: list[StockLevel], now: datetime) -> set[uuid.UUID]:
    """Expire the due reservations of these locked rows (in memory: ``reserved_quantity``).
    Returns the branch ids whose rows changed. A row without reserved units has no ACTIVE
    reservation (reconcile_stock checks that invariant), so it costs no query."""
    held = [row for row in rows if row.reserved_quantity > 0]
    if not held:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {RESERVATIONS} SET status = %s, updated_at = %s
            WHERE inventory_item_id = %s AND branch_id = ANY(%s) AND status = %s AND expires_at <= %s
            RETURNING branch_id, quantity
            """,  # noqa: S608 - table name from model metadata
            [ReservationStatus.EXPIRED, now, item_id, [row.branch_id for row in held], ReservationStatus.ACTIVE, now],
        )
        released = cursor.fetchall()
    by_branch = {row.branch_id: row for row in held}
    for branch_id, quantity in released:
        by_branch[branch_id].reserved_quantity -= quantity
    return {branch_id for branch_id, _ in released}


def _write_row(row: StockLevel, now: datetime, *, counted: bool = False) -> None:
    values = {"quantity": row.quantity, "reserved_quantity": row.reserved_quantity, "updated_at": now}
    if counted:
        values["last_counted_at"] = now
    StockLevel.objects.filter(pk=row.pk).update(**values)


def _count_movement(movement_type: str) -> None:
    transaction.on_commit(lambda: metrics.STOCK_MOVEMENTS.labels(movement_type=movement_type).inc())


# -- movements --------------------------------------------------------------------------------
def movement_create(
    *,
    inventory_item_id: uuid.UUID,
    movement_type: str,
    quantity: int,
    performed_by: uuid.UUID | None,
    from_branch_id: uuid.UUID | None = None,
    to_branch_id: uuid.UUID | None = None,
    unit_price: Decimal | None = None,
    reference_number: str | None = None,
    notes: str | None = None,
) -> StockMovement:
    plan = movement_effect(movement_type, from_branch_id, to_branch_id)
    failure = None
    with transaction.atomic():
        item = _item_locked_against_delete(inventory_item_id)
        if item is None:
            raise ItemNotFound(item_id=inventory_item_id, referenced_by="inventory_item_id")
        named = [b for b in (from_branch_id, to_branch_id) if b is not None]
        branches = _branches_locked_against_delete(named)
        if from_branch_id is not None and from_branch_id not in branches:
            raise BranchNotFound(branch_id=from_branch_id, referenced_by="from_branch_id")
        if to_branch_id is not None and to_branch_id not in branches:
            raise BranchNotFound(branch_id=to_branch_id, referenced_by="to_branch_id")

        if plan.increase is not None:
            _ensure_row(inventory_item_id, plan.increase)
        affected = [b for b in (plan.decrease, plan.increase) if b is not None]
        rows = _lock_rows(inventory_item_id, affected)
        now = timezone.now()
        expired = _expire_due(inventory_item_id, list(rows.values()), now)

        source = rows.get(plan.decrease) if plan.decrease is not None else None
        available = (source.quantity - source.reserved_quantity) if source is not None else 0
        if plan.decrease is not None and available < quantity:
            failure = InsufficientStock(available=available, requested=quantity)
            for branch_id in expired:  # the expiry stands even though the movement is refused
                _write_row(rows[branch_id], now)
        else:
            counted = movement_type == MovementType.ADJUSTMENT
            if source is not None:
                source.quantity -= quantity
                _write_row(source, now, counted=counted)
            if plan.increase is not None:
                target = rows[plan.increase]
                target.quantity += quantity
                _write_row(target, now, counted=counted)
            movement = StockMovement(
                inventory_item=item,
                from_branch=branches.get(from_branch_id),
                to_branch=branches.get(to_branch_id),
                movement_type=movement_type,
                quantity=quantity,
                unit_price=unit_price,
                reference_number=reference_number,
                notes=notes,
                performed_by=performed_by,
                created_at=now,
            )
            movement.save(force_insert=True)
            _count_movement(movement_type)
    if failure is not None:
        raise failure
    return movement


# -- reservations -----------------------------------------------------------------------------
def reservation_create(
    *,
    inventory_item_id: uuid.UUID,
    branch_id: uuid.UUID,
    quantity: int,
    created_by: uuid.UUID | None,
    reference_number: str | None = None,
    ttl_seconds: int = 900,
) -> StockReservation:
    failure = None
    with transaction.atomic():
        item = _item_locked_against_delete(inventory_item_id)
        if item is None:
            raise ItemNotFound(item_id=inventory_item_id, referenced_by="inventory_item_id")
        if not _branches_locked_against_delete([branch_id]):
            raise BranchNotFound(branch_id=branch_id, referenced_by="branch_id")
        row = _lock_rows(inventory_item_id, [branch_id]).get(branch_id)
        now = timezone.now()
        available = 0
        if row is not None:
            if _expire_due(inventory_item_id, [row], now):
                _write_row(row, now)
            available = row.quantity - row.reserved_quantity
        if available < quantity:
            failure = InsufficientStock(available=available, requested=quantity)
        else:
            row.reserved_quantity += quantity
            _write_row(row, now)
            reservation = StockReservation(
                inventory_item=item,
                branch_id=branch_id,
                quantity=quantity,
                status=ReservationStatus.ACTIVE,
                reference_number=reference_number,
                expires_at=now + timedelta(seconds=ttl_seconds),
                created_by=created_by,
                created_at=now,
            )
            reservation.save(force_insert=True)
    if failure is not None:
        raise failure
    return reservation


def _finish_reservation(reservation_id: uuid.UUID, *, commit: bool, performed_by: uuid.UUID | None) -> StockReservation:
    """Release or commit an ACTIVE reservation. Locks the stock row first, then the
    reservation (the order every stock transaction uses)."""
    failure = None
    with transaction.atomic():
        found = StockReservation.objects.filter(pk=reservation_id).values("inventory_item_id", "branch_id").first()
        if found is None:
            raise ReservationNotFound(reservation_id=reservation_id)
        item_id, branch_id = found["inventory_item_id"], found["branch_id"]
        row = _lock_rows(item_id, [branch_id]).get(branch_id)
        reservation = (
            StockReservation.objects.select_for_update().select_related("inventory_item").get(pk=reservation_id)
        )
        now = timezone.now()
        if row is not None and _expire_due(item_id, [row], now):
            _write_row(row, now)
            reservation.refresh_from_db(fields=["status", "updated_at"])
        if reservation.status != ReservationStatus.ACTIVE or row is None:
            failure = ReservationNotActive(status=reservation.status)
        else:
            # An ACTIVE reservation is always backed by its row's reserved units.
            row.reserved_quantity -= reservation.quantity
            fields = ["status", "updated_at"]
            if commit:
                row.quantity -= reservation.quantity
                movement = StockMovement(
                    inventory_item_id=item_id,
                    from_branch_id=branch_id,
                    to_branch=None,
                    movement_type=MovementType.OUT,
                    quantity=reservation.quantity,
                    unit_price=None,
                    reference_number=reservation.reference_number or f"reservation:{reservation.pk}",
                    notes=f"Reservation {reservation.pk} committed",
                    performed_by=performed_by,
                    created_at=now,
                )
                movement.save(force_insert=True)
                _count_movement(MovementType.OUT)
                reservation.movement = movement
                fields.append("movement")
            _write_row(row, now)
            reservation.status = ReservationStatus.COMMITTED if commit else ReservationStatus.RELEASED
            reservation.updated_at = now
            reservation.save(update_fields=fields)
    if failure is not None:
        raise failure
    return reservation


def reservation_release(*, reservation_id: uuid.UUID) -> StockReservation:
    return _finish_reservation(reservation_id, commit=False, performed_by=None)


def reservation_commit(*, reservation_id: uuid.UUID, performed_by: uuid.UUID | None) -> StockReservation:
    return _finish_reservation(reservation_id, commit=True, performed_by=performed_by)


def reservations_release_expired(*, now: datetime | None = None) -> int:
    """Expire every due ACTIVE reservation and return its units (``release_expired_reservations``).

    The stock rows concerned are locked first, in primary-key order, like every other stock
    transaction; a fixed ``now`` keeps the locked set and the updated set the same."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT s.id FROM {STOCK} s
            WHERE EXISTS (
                SELECT 1 FROM {RESERVATIONS} r
                WHERE r.inventory_item_id = s.inventory_item_id AND r.branch_id = s.branch_id
                  AND r.status = %s AND r.expires_at <= %s
            )
            ORDER BY s.id FOR UPDATE OF s
            """,  # noqa: S608 - table names from model metadata
            [ReservationStatus.ACTIVE, now],
        )
        cursor.execute(
            f"""
            WITH due AS (
                UPDATE {RESERVATIONS} SET status = %s, updated_at = %s
                WHERE status = %s AND expires_at <= %s
                RETURNING inventory_item_id, branch_id, quantity
            ), sums AS (
                SELECT inventory_item_id, branch_id, SUM(quantity) AS q, COUNT(*) AS n
                FROM due GROUP BY inventory_item_id, branch_id
            ), applied AS (
                UPDATE {STOCK} s SET reserved_quantity = s.reserved_quantity - sums.q, updated_at = %s
                FROM sums WHERE s.inventory_item_id = sums.inventory_item_id AND s.branch_id = sums.branch_id
                RETURNING sums.n
            )
            SELECT COALESCE((SELECT SUM(n) FROM sums), 0)
            """,  # noqa: S608 - table names from model metadata
            [ReservationStatus.EXPIRED, now, ReservationStatus.ACTIVE, now, now],
        )
        return int(cursor.fetchone()[0])
