"""Holds: the inventory's public API for other apps that hold stock for their own records (the
order service, docs/api.md §37). Another app reaches the inventory's stock only through this
module and never through its models, tables or SQL (tests/natjoub/test_boundaries.py).

Every function follows the steps of every stock transaction (services.ledger; see
docs/architecture.md §3.3): the item and branch rows (key share), then the stock rows locked in
primary-key order, due reservations expired first (docs/api.md §14.4), then the reservations,
and one statement writes the rows (their alerts included). Whatever the number of lines, each
function runs a constant number of SQL statements (set-based ``unnest``). ``reserve`` and
``settle`` fuse the steps (inventory_app/sql.py, "holds (order service)"): ``reserve`` is two
statements (facts, lock and expiry; rows, reservations and alerts), ``settle`` one, so that a
caller that runs it last (the fulfil of an order) holds the stock rows for that statement and its
commit. Neither opens a savepoint inside a caller's transaction: a refusal raised inside them is
for the caller to let propagate (its transaction rolls back).

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
from inventory_app.models import MovementType, ReservationStatus
from inventory_app.services import ledger
from inventory_app.services.alerts import notify_after_commit
from natjoub.db.prepared import prepared_cursor

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


def _lock(branch_id: uuid.UUID, item_ids: list[uuid.UUID], now: datetime):
    """``HOLD_LOCK``: the branch and the items that exist (``FOR KEY SHARE``: a concurrent delete
    waits), their stock rows at the branch locked (primary-key order) and the rows' due
    reservations expired. Returns the branch, the items, and per item ``(quantity, reserved
    before the expiry, units the expiry released)``."""
    branch, items, rows = None, {}, {}
    with connection.cursor() as cursor:
        cursor.execute(
            statements.HOLD_LOCK,
            {
                "items": item_ids,
                "branch": branch_id,
                "expired": ReservationStatus.EXPIRED,
                "active": ReservationStatus.ACTIVE,
                "now": now,
            },
        )
        for kind, pk, code, name, price, active, quantity, reserved, released in cursor.fetchall():
            if kind == 0:
                items[pk] = ItemFacts(id=pk, sku=code, name=name, unit_price=price, is_active=active)
            elif kind == 1:
                branch = BranchFacts(id=pk, code=code, name=name, is_active=active)
            else:
                rows[pk] = (quantity, reserved, released)
    return branch, items, rows


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
    transaction catches it and raises it after committing. Any other refusal is raised inside the
    block: inside a caller's transaction (no savepoint of its own, two statements saved) the
    caller's transaction is then to be rolled back, so it must let it propagate.

    Two statements whatever the number of lines (one item per line): ``HOLD_LOCK`` (facts, stock
    rows locked, due reservations expired), then ``HOLD_WRITE`` (rows, reservations, alerts)."""
    item_ids = [line.inventory_item_id for line in lines]
    failure = None
    with transaction.atomic(savepoint=False):
        now = timezone.now()
        branch, items, rows = _lock(branch_id, item_ids, now)
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
        reserved = {item_id: before - released for item_id, (_, before, released) in rows.items()}
        for line in lines:
            quantity = rows[line.inventory_item_id][0] if line.inventory_item_id in rows else 0
            available = quantity - reserved.get(line.inventory_item_id, 0)
            if available < line.quantity:
                failure = TransferInsufficientStock(
                    inventory_item_id=line.inventory_item_id, available=available, requested=line.quantity
                )
                break
        if failure is not None:  # the expiry stands; nothing else happened
            changed, held = [item_id for item_id, (_, _, released) in rows.items() if released], []
        else:
            for line in lines:
                reserved[line.inventory_item_id] += line.quantity
            changed, held = list(rows), lines
        reservation_ids = {line.inventory_item_id: uuid.uuid4() for line in held}
        now = timezone.now()  # under the rows' locks: a row's updated_at never goes back
        if changed:
            with connection.cursor() as cursor:
                cursor.execute(
                    statements.HOLD_WRITE,
                    {
                        "ids": changed,
                        "reserved": [reserved[item_id] for item_id in changed],
                        "branch": branch_id,
                        "now": now,
                        "status": ReservationStatus.ACTIVE,
                        "reference": reference_number,
                        "expires": expires_at,
                        "created_by": created_by,
                        "reservations": list(reservation_ids.values()),
                        "reservation_items": list(reservation_ids),
                        "quantities": [line.quantity for line in held],
                    },
                )
                notify_after_commit([row[0] for row in cursor.fetchall()])
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
    ``ReservationNotActive``, raised inside the caller's transaction, which must then roll back
    (no savepoint of its own). At most one settlement per item. Returns the movement id per
    reservation (None when released).

    One statement (``HOLD_SETTLE``): the stock rows are locked by it, so a caller runs it last,
    right before its commit, to hold them as briefly as possible (the fulfil of an order)."""
    item_ids = [s.inventory_item_id for s in settlements]
    if len(set(item_ids)) != len(item_ids):
        raise ValueError("settle takes at most one settlement per item")
    movement_ids = {s.reservation_id: uuid.uuid4() if s.collected > 0 else None for s in settlements}
    with transaction.atomic(savepoint=False):
        now = timezone.now()
        with prepared_cursor(connection) as cursor:  # planned once per connection (planning took ~0.9 ms)
            cursor.execute(
                statements.HOLD_SETTLE,
                {
                    "reservations": list(movement_ids),
                    "items": item_ids,
                    "collected": [s.collected for s in settlements],
                    "movements": list(movement_ids.values()),
                    "branch": branch_id,
                    "committed": ReservationStatus.COMMITTED,
                    "released": ReservationStatus.RELEASED,
                    "active": ReservationStatus.ACTIVE,
                    "out": MovementType.OUT,
                    "reference": reference_number,
                    "notes": notes,
                    "performed_by": performed_by,
                    "now": now,
                },
            )
            settled, moved, opened = cursor.fetchone()
        if len(settled) < len(settlements):  # the first one not settled, as it is (not changed here)
            first = next(s.reservation_id for s in settlements if s.reservation_id not in set(settled))
            state = reservation_states([first]).get(first)
            status = state.status if state is not None else ReservationStatus.RELEASED
            raise ReservationNotActive(
                status=ReservationStatus.EXPIRED if status == ReservationStatus.ACTIVE else status
            )
        if moved:
            ledger.count_movements(MovementType.OUT, moved)
        notify_after_commit(opened)
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
