"""The stock ledger: movements and reservations (docs/api.md §12, §14, §25, §26, §28).

Every stock change is one transaction made of the steps in services.ledger (item and branch
locks with the caller's scope, missing rows, row locks in primary-key order, expiry of due
reservations, availability, one statement that writes the rows and their alerts, the movement
with its balances).

Errors that must not undo the expiry (``INSUFFICIENT_STOCK``, ``RESERVATION_NOT_ACTIVE``) are
raised after the transaction block has finished; they carry ``keep_changes = True`` so the
idempotency wrapper commits too. Everything else a refused write did is rolled back or undone
(rows it created are deleted): a refused movement leaves no trace.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from inventory_app import sql as statements
from inventory_app.exceptions import (
    BothBranchesRequired,
    BranchRequired,
    FromBranchRequired,
    InsufficientStock,
    ReservationNotActive,
    ReservationNotFound,
    SameBranch,
    ToBranchRequired,
)
from inventory_app.models import (
    MovementType,
    ReservationStatus,
    StockMovement,
    StockReservation,
)
from inventory_app.scoping import EVERYWHERE, BranchAccess
from inventory_app.services import ledger
from inventory_app.services.alerts import notify_after_commit
from natjoub.db.prepared import prepared_cursor


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
    scope: BranchAccess = EVERYWHERE,
) -> StockMovement:
    plan = movement_effect(movement_type, from_branch_id, to_branch_id)
    named = [("from_branch_id", from_branch_id), ("to_branch_id", to_branch_id)]
    failure = None
    created: set = set()
    with transaction.atomic(), prepared_cursor(connection) as cursor:  # the hot two: planned once
        if plan.decrease is None or plan.increase is None:  # one row: locked with the item and branches
            item, branches, row = ledger.lock_for_movement(
                cursor,
                inventory_item_id,
                named,
                plan.increase or plan.decrease,
                increase=plan.decrease is None,
                scope=scope,
            )
            source, target = (None, row) if plan.decrease is None else (row, None)
        else:  # rows in primary-key order; a refused write deletes the row it created
            item, branches = ledger.item_and_branches_for_write(inventory_item_id, named, scope)
            increase, decrease = (inventory_item_id, plan.increase), (inventory_item_id, plan.decrease)
            created = ledger.ensure_rows([increase])
            rows = ledger.lock_rows([inventory_item_id], [plan.decrease, plan.increase])
            source, target = rows.get(decrease), rows[increase]
        now = timezone.now()
        expired = ledger.expire_due([row for row in (source, target) if row is not None], now)

        available = (source.quantity - source.reserved_quantity) if source is not None else 0
        if plan.decrease is not None and available < quantity:
            failure = InsufficientStock(available=available, requested=quantity)
            ledger.discard_rows(created)  # a refused movement leaves no trace ...
            ledger.write_rows(expired, now)  # ... but the expiry stands
        else:
            if source is not None:
                source.quantity -= quantity
            if target is not None:
                target.quantity += quantity
            movement = ledger.write_movement(
                cursor,
                source,
                target,
                now,
                item=item,
                from_branch=branches.get(from_branch_id),
                to_branch=branches.get(to_branch_id),
                movement_type=movement_type,
                quantity=quantity,
                unit_price=unit_price,
                reference_number=reference_number,
                notes=notes,
                performed_by=performed_by,
            )
            ledger.count_movements(movement_type)
    if failure is not None:
        raise failure
    return movement


# -- reservations -----------------------------------------------------------------------------
DEFAULT_TTL_SECONDS = 900  # a reservation without ttlSeconds holds for 15 minutes (docs/api.md §14)


def reservation_create(
    *,
    inventory_item_id: uuid.UUID,
    branch_id: uuid.UUID,
    quantity: int,
    created_by: uuid.UUID | None,
    reference_number: str | None = None,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    scope: BranchAccess = EVERYWHERE,
) -> StockReservation:
    failure = None
    with transaction.atomic():
        item, _ = ledger.item_and_branches_for_write(inventory_item_id, [("branch_id", branch_id)], scope)
        row = ledger.lock_rows([inventory_item_id], [branch_id]).get((inventory_item_id, branch_id))
        now = timezone.now()
        available = 0
        expired = []
        if row is not None:
            expired = ledger.expire_due([row], now)
            available = row.quantity - row.reserved_quantity
        if available < quantity:
            failure = InsufficientStock(available=available, requested=quantity)
            ledger.write_rows(expired, now)
        else:
            row.reserved_quantity += quantity
            ledger.write_rows([row], now)
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


def _finish_reservation(
    reservation_id: uuid.UUID, *, commit: bool, performed_by: uuid.UUID | None, scope: BranchAccess
) -> StockReservation:
    """Release or commit an ACTIVE reservation. Locks the stock row first, then the
    reservation (the order every stock transaction uses). A reservation outside the caller's
    scope is not found (docs/api.md §26)."""
    failure = None
    with transaction.atomic():
        found = (
            StockReservation.objects.restrict(scope)
            .filter(pk=reservation_id)
            .values("inventory_item_id", "branch_id")
            .first()
        )
        if found is None:
            raise ReservationNotFound(reservation_id=reservation_id)
        item_id, branch_id = found["inventory_item_id"], found["branch_id"]
        row = ledger.lock_rows([item_id], [branch_id]).get((item_id, branch_id))
        reservation = (
            StockReservation.objects.select_for_update().select_related("inventory_item").get(pk=reservation_id)
        )
        now = timezone.now()
        if row is not None and ledger.expire_due([row], now):
            ledger.write_rows([row], now)
            reservation.refresh_from_db(fields=["status", "updated_at"])
        if reservation.status != ReservationStatus.ACTIVE or row is None:
            failure = ReservationNotActive(status=reservation.status)
        else:
            # An ACTIVE reservation is always backed by its row's reserved units.
            row.reserved_quantity -= reservation.quantity
            fields = ["status", "updated_at"]
            if commit:
                row.quantity -= reservation.quantity
            ledger.write_rows([row], now)
            if commit:
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
                    from_balance_after=row.quantity,
                )
                movement.save(force_insert=True)
                ledger.count_movements(MovementType.OUT)
                reservation.movement = movement
                fields.append("movement")
            reservation.status = ReservationStatus.COMMITTED if commit else ReservationStatus.RELEASED
            reservation.updated_at = now
            reservation.save(update_fields=fields)
    if failure is not None:
        raise failure
    return reservation


def reservation_release(*, reservation_id: uuid.UUID, scope: BranchAccess = EVERYWHERE) -> StockReservation:
    return _finish_reservation(reservation_id, commit=False, performed_by=None, scope=scope)


def reservation_commit(
    *, reservation_id: uuid.UUID, performed_by: uuid.UUID | None, scope: BranchAccess = EVERYWHERE
) -> StockReservation:
    return _finish_reservation(reservation_id, commit=True, performed_by=performed_by, scope=scope)


def reservations_release_expired(*, now: datetime | None = None) -> int:
    """Expire every due ACTIVE reservation and return its units (``release_expired_reservations``).

    The stock rows concerned are locked first, in primary-key order, like every other stock
    transaction; a fixed ``now`` keeps the locked set and the updated set the same. Their alerts
    are resolved in the same statement."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statements.LOCK_DUE_ROWS, [ReservationStatus.ACTIVE, now])
        cursor.execute(
            statements.EXPIRE_ALL,
            {"expired": ReservationStatus.EXPIRED, "active": ReservationStatus.ACTIVE, "now": now},
        )
        count, opened = cursor.fetchone()
        notify_after_commit(list(opened))
        return int(count)
