"""Holds: the inventory's public API for other apps that hold stock for their own records (the
order service, docs/api.md §37). Another app reaches the inventory's stock only through this
module and never through its models, tables or SQL (tests/natjoub/test_boundaries.py).

Every function follows the steps of every stock transaction (services.ledger; see
docs/architecture.md §3.3): stock rows locked in primary-key order, due reservations expired first
(docs/api.md §14.4), then one
statement writes the rows (their alerts included). Whatever the number of lines, each function
runs a constant number of SQL statements (set-based ``unnest`` / ``VALUES``).

* ``reserve``: all lines at one branch or nothing; one ACTIVE reservation per line.
* ``extend``: move the deadline of ACTIVE reservations (an order confirmed).
* ``settle``: take the collected part of each reservation out of stock (OUT movement), release
  the rest (an order fulfilled, §37.6).
* ``release``: end ACTIVE reservations as RELEASED (cancelled) or EXPIRED (expired).
* reads for the holder's own checks (``reservation_states``, ``out_quantities``, ``stocked_at``)
  and ``register_check``: checks of a holder's invariants that ``reconcile_stock`` runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from inventory_app import sql as statements
from inventory_app.exceptions import (
    BranchAccessDenied,
    BranchNotFound,
    InsufficientStock,
    ReservationNotActive,
    TransferInsufficientStock,
    TransferItemNotFound,
)
from inventory_app.models import MovementType, ReservationStatus, StockMovement
from inventory_app.services import ledger

__all__ = [
    "BranchAccessDenied",
    "BranchFacts",
    "BranchNotFound",
    "Hold",
    "InsufficientStock",
    "ItemFacts",
    "Line",
    "ReservationNotActive",
    "ReservationState",
    "Settlement",
    "TransferItemNotFound",
    "Unavailable",
    "extend",
    "holder_violations",
    "out_quantities",
    "register_check",
    "release",
    "reservation_states",
    "reserve",
    "settle",
    "stocked_at",
]


@dataclass(frozen=True)
class BranchFacts:
    id: uuid.UUID
    code: str
    name: str
    is_active: bool


@dataclass(frozen=True)
class ItemFacts:
    id: uuid.UUID
    sku: str
    name: str
    unit_price: Decimal
    is_active: bool


@dataclass(frozen=True)
class Line:
    inventory_item_id: uuid.UUID
    quantity: int


@dataclass(frozen=True)
class Hold:
    """What ``reserve`` locked and created: the facts a caller copies, and a reservation per item."""

    branch: BranchFacts
    items: dict[uuid.UUID, ItemFacts]
    reservation_ids: dict[uuid.UUID, uuid.UUID]  # item id -> reservation id


@dataclass(frozen=True)
class Settlement:
    """One reservation to settle: ``collected`` units leave the stock, the rest is released."""

    reservation_id: uuid.UUID
    inventory_item_id: uuid.UUID
    collected: int


class Unavailable(Exception):
    """The branch (``branch_id``) or an item (``item_id``) exists but is inactive: ``reserve``
    refuses to hold it (the caller answers with its own error, e.g. ``ITEM_NOT_AVAILABLE``)."""

    def __init__(self, *, item_id: uuid.UUID | None = None, branch_id: uuid.UUID | None = None) -> None:
        self.item_id, self.branch_id = item_id, branch_id
        super().__init__(f"unavailable: item {item_id}" if item_id else f"unavailable: branch {branch_id}")


def _facts(branch_id: uuid.UUID, item_ids: list[uuid.UUID]) -> tuple[BranchFacts | None, dict[uuid.UUID, ItemFacts]]:
    """The branch and the items that exist, locked ``FOR KEY SHARE`` (a concurrent delete waits)."""
    branch, items = None, {}
    with connection.cursor() as cursor:
        cursor.execute(statements.HOLD_FACTS, [item_ids, branch_id])
        for is_item, pk, code, name, price, active in cursor.fetchall():
            if is_item:
                items[pk] = ItemFacts(id=pk, sku=code, name=name, unit_price=price, is_active=active)
            else:
                branch = BranchFacts(id=pk, code=code, name=name, is_active=active)
    return branch, items


def reserve(
    *,
    branch_id: uuid.UUID,
    lines: list[Line],
    reference_number: str,
    expires_at: datetime,
    created_by: uuid.UUID | None,
) -> Hold:
    """Hold every line at ``branch_id`` or none (docs/api.md §37.3), in this order of checks: the
    branch exists (``BranchNotFound``, 400 "Branch not found"), every item exists
    (``TransferItemNotFound``, first in request order), the branch then every item is active
    (``Unavailable``), every line is available (``TransferInsufficientStock``, the first short
    line in request order). The insufficiency is raised after this function's own atomic block,
    so the expiry of due reservations stands (``keep_changes``); a caller inside its own
    transaction catches it and raises it after committing."""
    item_ids = [line.inventory_item_id for line in lines]
    failure = None
    with transaction.atomic():
        branch, items = _facts(branch_id, item_ids)
        if branch is None:
            raise BranchNotFound(branch_id=branch_id, referenced_by="branch_id")
        for item_id in item_ids:
            if item_id not in items:
                raise TransferItemNotFound(item_id=item_id)
        if not branch.is_active:
            raise Unavailable(branch_id=branch_id)
        for item_id in item_ids:
            if not items[item_id].is_active:
                raise Unavailable(item_id=item_id)
        rows = ledger.lock_rows(item_ids, [branch_id])
        now = timezone.now()
        expired = ledger.expire_due(rows.values(), now)
        for line in lines:
            row = rows.get((line.inventory_item_id, branch_id))
            available = row.quantity - row.reserved_quantity if row is not None else 0
            if available < line.quantity:
                failure = TransferInsufficientStock(
                    inventory_item_id=line.inventory_item_id, available=available, requested=line.quantity
                )
                break
        if failure is not None:
            ledger.write_rows(expired, now)  # the expiry stands; nothing else happened
        else:
            changed = []
            for line in lines:
                row = rows[(line.inventory_item_id, branch_id)]
                row.reserved_quantity += line.quantity
                changed.append(row)
            ledger.write_rows([*expired, *changed], now)
            reservation_ids = {item_id: uuid.uuid4() for item_id in item_ids}
            with connection.cursor() as cursor:
                cursor.execute(
                    statements.INSERT_RESERVATIONS,
                    {
                        "branch": branch_id,
                        "status": ReservationStatus.ACTIVE,
                        "reference": reference_number,
                        "expires": expires_at,
                        "created_by": created_by,
                        "now": now,
                        "ids": [reservation_ids[item_id] for item_id in item_ids],
                        "items": item_ids,
                        "quantities": [line.quantity for line in lines],
                    },
                )
    if failure is not None:
        raise failure
    return Hold(branch=branch, items=items, reservation_ids=reservation_ids)


def extend(*, reservation_ids: list[uuid.UUID], expires_at: datetime) -> int:
    """Move the deadline of these ACTIVE reservations; returns how many moved. Every expirer
    locks the stock row before it updates a reservation and re-reads ``expires_at`` under the
    reservation's row lock, so a reservation extended here is never expired by the old deadline."""
    with connection.cursor() as cursor:
        cursor.execute(
            statements.EXTEND_RESERVATIONS,
            [expires_at, timezone.now(), list(reservation_ids), ReservationStatus.ACTIVE],
        )
        return cursor.rowcount


def _lock_reservations(reservation_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statements.LOCK_RESERVATIONS, [list(reservation_ids)])
        return {row[0]: row[1:] for row in cursor.fetchall()}


def settle(
    *,
    branch_id: uuid.UUID,
    settlements: list[Settlement],
    reference_number: str,
    notes: str,
    performed_by: uuid.UUID | None,
) -> dict[uuid.UUID, uuid.UUID | None]:
    """Commit part of each reservation and release the rest (docs/api.md §37.6): ``collected``
    units leave the stock as an OUT movement (``reference_number``, ``notes``, ``performed_by``),
    the reservation becomes COMMITTED (``quantity`` unchanged, ``movementId`` that movement); one
    collected as 0 becomes RELEASED. A reservation that is not ACTIVE (or past its deadline) →
    ``ReservationNotActive``. Returns the movement id per reservation (None when released)."""
    item_ids = [s.inventory_item_id for s in settlements]
    with transaction.atomic():
        rows = ledger.lock_rows(item_ids, [branch_id])
        held = _lock_reservations([s.reservation_id for s in settlements])
        now = timezone.now()
        for s in settlements:
            _, _, _, status, expires_at = held[s.reservation_id]
            if status != ReservationStatus.ACTIVE or expires_at <= now:
                effective = ReservationStatus.EXPIRED if status == ReservationStatus.ACTIVE else status
                raise ReservationNotActive(status=effective)
        movements, statuses, movement_ids = [], [], {}
        for s in settlements:
            row = rows[(s.inventory_item_id, branch_id)]
            row.reserved_quantity -= held[s.reservation_id][2]
            movement_id = None
            if s.collected > 0:
                row.quantity -= s.collected
                movement = StockMovement(
                    inventory_item_id=s.inventory_item_id,
                    from_branch_id=branch_id,
                    movement_type=MovementType.OUT,
                    quantity=s.collected,
                    reference_number=reference_number,
                    notes=notes,
                    performed_by=performed_by,
                    created_at=now,
                    from_balance_after=row.quantity,
                )
                movements.append(movement)
                movement_id = movement.id
            movement_ids[s.reservation_id] = movement_id
            statuses.append(ReservationStatus.COMMITTED if movement_id else ReservationStatus.RELEASED)
        ledger.write_rows([rows[(item_id, branch_id)] for item_id in item_ids], now)
        if movements:
            StockMovement.objects.bulk_create(movements)
            ledger.count_movements(MovementType.OUT, len(movements))
        with connection.cursor() as cursor:
            cursor.execute(
                statements.SETTLE_RESERVATIONS,
                [now, list(movement_ids), statuses, list(movement_ids.values())],
            )
    return movement_ids


def release(*, held: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]], expire: Collection[uuid.UUID] = ()) -> int:
    """End the ACTIVE ones among these reservations (``(reservation id, item id, branch id)``) and
    return their units: those in ``expire`` as EXPIRED, the others as RELEASED. Those already
    ended (an expiry of §14.4 got there first) are left as they are. Their stock rows are locked
    in one statement (primary-key order), whatever the number of branches. Returns how many ended."""
    if not held:
        return 0
    with transaction.atomic():
        rows = ledger.lock_rows({item for _, item, _ in held}, {branch for _, _, branch in held})
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                statements.RELEASE_RESERVATIONS,
                [
                    list(expire),
                    ReservationStatus.EXPIRED,
                    ReservationStatus.RELEASED,
                    now,
                    [reservation for reservation, _, _ in held],
                    ReservationStatus.ACTIVE,
                ],
            )
            ended = cursor.fetchall()
        for item_id, branch_id, quantity in ended:
            rows[(item_id, branch_id)].reserved_quantity -= quantity
        ledger.write_rows([rows[(item_id, branch_id)] for item_id, branch_id, _ in ended], now)
    return len(ended)


# -- reads for the holders' own checks (reconcile_stock, demo data) ----------------------------
@dataclass(frozen=True)
class ReservationState:
    inventory_item_id: uuid.UUID
    branch_id: uuid.UUID
    quantity: int
    status: str  # the stored status (an ACTIVE one past expires_at is due, not yet EXPIRED)
    expires_at: datetime


def reservation_states(reservation_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, ReservationState]:
    """The stored state of these reservations (those that exist), by id. One query."""
    with connection.cursor() as cursor:
        cursor.execute(statements.RESERVATION_STATES, [list(reservation_ids)])
        return {row[0]: ReservationState(*row[1:]) for row in cursor.fetchall()}


def out_quantities(reference_numbers: Collection[str]) -> dict[tuple[str, uuid.UUID, uuid.UUID], int]:
    """Σ OUT movements per (referenceNumber, item, from branch) for these reference numbers."""
    with connection.cursor() as cursor:
        cursor.execute(statements.OUT_QUANTITIES, [list(reference_numbers), MovementType.OUT])
        return {(ref, item, branch): int(total) for ref, item, branch, total in cursor.fetchall()}


def stocked_at(*, branch_code: str, limit: int = 10) -> tuple[BranchFacts | None, list[tuple[ItemFacts, int]]]:
    """A branch by code and its active items with available units (most available first, then
    SKU), for demo data and tests."""
    with connection.cursor() as cursor:
        cursor.execute(statements.BRANCH_BY_CODE, [branch_code])
        found = cursor.fetchone()
        if found is None:
            return None, []
        branch = BranchFacts(*found)
        cursor.execute(statements.STOCKED_AT, [branch.id, limit])
        return branch, [(ItemFacts(*row[:5]), row[5]) for row in cursor.fetchall()]


# -- checks of the holders, run by reconcile_stock ---------------------------------------------
# Another app registers a callable returning its violations (one line each), in its
# AppConfig.ready(); reconcile_stock reports them with the stock drift and fails on any. The
# inventory names no app: the holder depends on the inventory, never the other way round.
_checks: dict[str, Callable[[], list[str]]] = {}


def register_check(name: str, check: Callable[[], list[str]]) -> None:
    _checks[name] = check


def holder_violations() -> list[str]:
    return [problem for name in sorted(_checks) for problem in _checks[name]()]
