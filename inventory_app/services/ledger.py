"""The steps every stock transaction shares (movements, reservations, transfers).

In order, each write
1. takes ``FOR KEY SHARE`` on the item and branch rows it names, in one statement (a concurrent
   delete waits, and a deleted row is reported as not found instead of failing a foreign key); it
   also says, per branch, whether the caller's scope allows it (docs/api.md §26: no extra query),
2. creates missing stock rows that will be increased with ``INSERT … ON CONFLICT DO NOTHING`` (no
   row locks are held yet, so waiting for a concurrent creator cannot deadlock); a refused write
   deletes the rows it created, so it leaves no trace (docs/api.md §25). A write that increases one
   row and locks no other creates and locks it in one upsert (``upsert_lock_row``),
3. locks the affected ``stock_levels`` rows with ``SELECT … FOR UPDATE ORDER BY id``,
4. expires the due reservations of those rows,
5. checks availability, then writes the rows with one statement that also opens and resolves
   their stock alerts (services.alerts) and inserts the movement, whose ``*_balance_after`` are
   the quantities that statement wrote (known here: the rows are locked, docs/api.md §28).

The hot statements are raw SQL (inventory_app/sql.py, docs/architecture.md §3.11) with
``from_db`` instances: Django's per-call compilation cost more than running them
(docs/architecture.md §3.8). A movement that changes one stock row (all but TRANSFER) takes steps
1–3 in one statement (``lock_for_movement``) and writes with ``write_movement``: two statements
that bind plain values, each once, and build no model instance for the rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from inventory_app import metrics
from inventory_app import sql as statements
from inventory_app.exceptions import BranchAccessDenied, BranchNotFound, ItemNotFound
from inventory_app.models import (
    Branch,
    InventoryItem,
    MovementType,
    ReservationStatus,
    StockLevel,
    StockMovement,
)
from inventory_app.scoping import BranchAccess
from inventory_app.services.alerts import notify_after_commit

Pair = tuple[uuid.UUID, uuid.UUID]  # (inventory_item_id, branch_id)


_ROW_FIELDS = ["id", "inventory_item_id", "branch_id", "quantity", "reserved_quantity"]


def _loaded(model, **values):
    """A saved instance with only these fields loaded (``from_db`` takes them in field order)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


@dataclass(slots=True)
class LockedRow:
    """A locked stock row as the steps below read and change it (``expire_due``, ``write_rows``
    take it like a ``StockLevel``): a movement's hot path builds no model instance for it."""

    pk: uuid.UUID
    inventory_item_id: uuid.UUID
    branch_id: uuid.UUID
    quantity: int
    reserved_quantity: int


def lock_named(
    item_ids: Iterable[uuid.UUID], branch_ids: Iterable[uuid.UUID], scope: BranchAccess
) -> tuple[dict[uuid.UUID, InventoryItem], dict[uuid.UUID, Branch]]:
    """The named items and branches that exist, locked ``FOR KEY SHARE`` (a concurrent delete
    waits), each branch with ``allowed``: may the caller act there (§26). One statement."""
    allowed = scope.allowed_sql_params()
    items, branches = {}, {}
    with connection.cursor() as cursor:
        cursor.execute(statements.lock_named(every=scope.every), [list(item_ids), *allowed, list(branch_ids)])
        for is_item, pk, name, sku, may_act in cursor.fetchall():
            if is_item:
                items[pk] = _loaded(InventoryItem, id=pk, name=name, sku=sku)
            else:
                branch = _loaded(Branch, id=pk, name=name)
                branch.allowed = may_act
                branches[pk] = branch
    return items, branches


# -- the rows a write names: existence, then the caller's scope (docs/api.md §26) -------------
Named = list[tuple[str, uuid.UUID | None]]  # (body field, branch id), in the order they are checked


def _scoped(named: Named, scoped: tuple[str, ...] | None) -> list[tuple[str, uuid.UUID]]:
    return [(f, b) for f, b in named if b is not None and (scoped is None or f in scoped)]


def check_branches(named: Named, branches: dict, scoped: tuple[str, ...] | None = None) -> None:
    """Each branch a write names exists among ``branches`` (from ``lock_named``; in the order
    given: from first), then those in ``scoped`` (default: all) are in the caller's scope (403)."""
    for field, branch_id in named:
        if branch_id is not None and branch_id not in branches:
            raise BranchNotFound(branch_id=branch_id, referenced_by=field)
    for _, branch_id in _scoped(named, scoped):
        if not branches[branch_id].allowed:
            raise BranchAccessDenied(branch_id=branch_id)


def item_and_branches_for_write(item_id: uuid.UUID, named: Named, scope: BranchAccess) -> tuple[InventoryItem, dict]:
    """Lock the item and the branches a movement or reservation names (one round trip): the item
    must exist, then ``check_branches``."""
    items, branches = lock_named([item_id], [b for _, b in named if b is not None], scope)
    if item_id not in items:
        raise ItemNotFound(item_id=item_id, referenced_by="inventory_item_id")
    check_branches(named, branches)
    return items[item_id], branches


def lock_for_movement(
    cursor, item_id: uuid.UUID, named: Named, row_branch: uuid.UUID, *, increase: bool, scope: BranchAccess
) -> tuple[InventoryItem, dict, LockedRow | None]:
    """``item_and_branches_for_write`` and, in the same statement, the one stock row a movement
    changes at ``row_branch``: with ``increase`` created (0/0) when missing and locked, as
    ``upsert_lock_row``; else locked when present (None when missing), as ``lock_rows``. The
    statement touches the row only when every check passes, so a refused movement leaves no row;
    the checks are then raised here in their order. ``cursor``: the movement's (one per write)."""
    present = {branch_id for _, branch_id in named if branch_id is not None}
    params = {
        "item": item_id,
        "from": named[0][1],
        "to": named[1][1],
        "row_branch": row_branch,
        "named": len(present),
    }
    if not scope.every:
        params["mine"] = sorted(scope.branch_ids)
    item, branches, row = None, {}, None
    alias = connection.alias
    cursor.execute(statements.movement_lock(every=scope.every, increase=increase), params)
    for kind, pk, name, sku, may_act, quantity, reserved in cursor.fetchall():
        if kind == 0:
            loaded = {"id": pk, "name": name, "sku": sku}
            item = InventoryItem.from_db(alias, _ITEM_FIELDS, [loaded[field] for field in _ITEM_FIELDS])
        elif kind == 1:
            loaded = {"id": pk, "name": name}
            branch = Branch.from_db(alias, _BRANCH_FIELDS, [loaded[field] for field in _BRANCH_FIELDS])
            branch.allowed = may_act
            branches[pk] = branch
        else:
            row = LockedRow(pk, item_id, row_branch, quantity, reserved)
    if item is None:
        raise ItemNotFound(item_id=item_id, referenced_by="inventory_item_id")
    check_branches(named, branches)
    if increase and row is None:  # every check passed, so the statement created or locked it
        raise RuntimeError("the movement's stock row was neither created nor locked")
    return item, branches, row


def named_rows_check(
    scope: BranchAccess,
    *,
    branches: Named,
    inventory_item_id: uuid.UUID | None = None,
    scoped: tuple[str, ...] | None = None,
) -> None:
    """The checks a stock write makes on the rows its body names, in its order (the item when
    given, the branches from first, then the caller's access to the ``scoped`` ones).
    Idempotent creates run it before the key is looked up, so a replay cannot bypass the access
    rule (docs/api.md §26, §36); without a key the service alone makes the same checks, in the
    statements that lock those rows. When the caller's access covers every branch named, no
    check can fail on access and the 404s are the service's own: no query. Else one query."""
    if all(scope.allows(branch_id) for _, branch_id in _scoped(branches, scoped)):
        return
    present = [(field, branch_id) for field, branch_id in branches if branch_id is not None]
    ids = [branch_id for _, branch_id in present]
    with connection.cursor() as cursor:
        cursor.execute(statements.NAMED_ROWS_EXIST, [inventory_item_id, ids])
        items, existing = cursor.fetchone()
    if inventory_item_id is not None and not items:
        raise ItemNotFound(item_id=inventory_item_id, referenced_by="inventory_item_id")
    for field, branch_id in present:
        if branch_id not in existing:
            raise BranchNotFound(branch_id=branch_id, referenced_by=field)
    for _, branch_id in _scoped(branches, scoped):
        if not scope.allows(branch_id):
            raise BranchAccessDenied(branch_id=branch_id)


def ensure_rows(pairs: list[Pair]) -> set[Pair]:
    """Create the missing stock rows (0/0); returns the pairs this call created."""
    if not pairs:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(statements.ENSURE_ROWS, [[item for item, _ in pairs], [branch for _, branch in pairs]])
        return set(cursor.fetchall())


def discard_rows(pairs: set[Pair]) -> None:
    """Delete rows ``ensure_rows`` created for a write that is then refused (still 0/0)."""
    if not pairs:
        return
    with connection.cursor() as cursor:
        cursor.execute(statements.DISCARD_ROWS, [[item for item, _ in pairs], [branch for _, branch in pairs]])


def _stock_row(values: tuple) -> StockLevel:
    return _loaded(StockLevel, **dict(zip(_ROW_FIELDS, values, strict=True)))


def lock_rows(item_ids: Iterable[uuid.UUID], branch_ids: Iterable[uuid.UUID]) -> dict[Pair, StockLevel]:
    """Lock the stock rows of these items at these branches, in primary-key order."""
    with connection.cursor() as cursor:
        cursor.execute(statements.LOCK_ROWS, [list(item_ids), list(branch_ids)])
        rows = [_stock_row(values) for values in cursor.fetchall()]
    return {(row.inventory_item_id, row.branch_id): row for row in rows}


def upsert_lock_row(item_id: uuid.UUID, branch_id: uuid.UUID) -> StockLevel:
    """The one stock row a write increases, created (0/0) when missing and locked, in one
    statement: ``ON CONFLICT DO UPDATE`` locks the existing row (waiting for a concurrent creator
    to finish). Only for writes that lock no other stock row, so its order cannot matter."""
    with connection.cursor() as cursor:
        cursor.execute(statements.UPSERT_LOCK_ROW, [item_id, branch_id])
        return _stock_row(cursor.fetchone())


def expire_due(rows: Iterable[StockLevel], now: datetime) -> list[StockLevel]:
    """Expire the due reservations of these locked rows (in memory: ``reserved_quantity``) and
    return the rows that changed. A row without reserved units has no ACTIVE reservation
    (reconcile_stock checks that invariant), so it costs no query."""
    held = {(row.inventory_item_id, row.branch_id): row for row in rows if row.reserved_quantity > 0}
    if not held:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            statements.EXPIRE_DUE,
            [
                ReservationStatus.EXPIRED,
                now,
                [item for item, _ in held],
                [branch for _, branch in held],
                ReservationStatus.ACTIVE,
                now,
            ],
        )
        released = cursor.fetchall()
    changed = {}
    for item_id, branch_id, quantity in released:
        row = held[(item_id, branch_id)]
        row.reserved_quantity -= quantity
        changed[row.pk] = row
    return list(changed.values())


def write_rows(rows: Iterable[StockLevel], now: datetime, *, counted: Iterable[uuid.UUID] = ()) -> list[uuid.UUID]:
    """Store the in-memory values of these locked rows; ``counted`` are the ids whose
    ``last_counted_at`` becomes ``now`` (ADJUSTMENT). Alert e-mails are sent after commit."""
    rows = list({row.pk: row for row in rows}.values())
    if not rows:
        return []
    counted = set(counted)
    params = {
        "ids": [row.pk for row in rows],
        "quantities": [row.quantity for row in rows],
        "reserved": [row.reserved_quantity for row in rows],
        "counted": [row.pk in counted for row in rows],
        "now": now,
    }
    with connection.cursor() as cursor:
        cursor.execute(statements.WRITE_ROWS, params)
        opened = [row[0] for row in cursor.fetchall()]
    notify_after_commit(opened)
    return opened


def _in_field_order(model, *names: str) -> tuple[str, ...]:
    """``names`` in the model's field order: ``from_db`` takes a partial row's values so."""
    return tuple(field.attname for field in model._meta.concrete_fields if field.attname in names)


_ITEM_FIELDS = _in_field_order(InventoryItem, "id", "name", "sku")
_BRANCH_FIELDS = _in_field_order(Branch, "id", "name")
_MOVEMENT_FIELDS = tuple(field.attname for field in statements.MOVEMENT_FIELDS)
_UNIT_PRICE = StockMovement._meta.get_field("unit_price")


def write_movement(
    cursor,
    source: LockedRow | StockLevel | None,
    target: LockedRow | StockLevel | None,
    now: datetime,
    *,
    item: InventoryItem,
    from_branch: Branch | None,
    to_branch: Branch | None,
    movement_type: str,
    quantity: int,
    unit_price,
    reference_number: str | None,
    notes: str | None,
    performed_by: uuid.UUID | None,
) -> StockMovement:
    """Store the new values of a movement's locked rows (``source`` decreased, ``target``
    increased; either may be None), open and resolve their alerts and insert the movement, whose
    balances are those values (docs/api.md §28): one statement with plain values, each bound once.
    An ADJUSTMENT's rows get ``last_counted_at``. Returns the saved movement, its item and
    branches attached (what its response renders); alert e-mails are sent after commit."""
    movement_id = uuid.uuid4()
    from_branch_id = from_branch.pk if from_branch is not None else None
    to_branch_id = to_branch.pk if to_branch is not None else None
    from_balance = source.quantity if source is not None else None
    to_balance = target.quantity if target is not None else None
    params = {
        "now": now,
        "counted": movement_type == MovementType.ADJUSTMENT,
        "from_row": source.pk if source is not None else None,
        "from_quantity": from_balance,
        "from_reserved": source.reserved_quantity if source is not None else None,
        "to_row": target.pk if target is not None else None,
        "to_quantity": to_balance,
        "to_reserved": target.reserved_quantity if target is not None else None,
        "id": movement_id,
        "inventory_item_id": item.pk,
        "from_branch_id": from_branch_id,
        "to_branch_id": to_branch_id,
        "movement_type": movement_type,
        "quantity": quantity,
        "unit_price": None if unit_price is None else _UNIT_PRICE.get_db_prep_save(unit_price, connection),
        "reference_number": reference_number,
        "notes": notes,
        "performed_by": performed_by,
        "from_balance_after": from_balance,
        "to_balance_after": to_balance,
    }
    cursor.execute(statements.MOVEMENT_WRITE, params)
    notify_after_commit([row[0] for row in cursor.fetchall()])
    loaded = {**params, "unit_price": unit_price, "created_at": now, "transfer_id": None}
    movement = StockMovement.from_db(connection.alias, _MOVEMENT_FIELDS, [loaded[name] for name in _MOVEMENT_FIELDS])
    movement.inventory_item = item
    if from_branch is not None:  # a null foreign key reads as None without a query
        movement.from_branch = from_branch
    if to_branch is not None:
        movement.to_branch = to_branch
    return movement


def count_movements(movement_type: str, count: int = 1) -> None:
    transaction.on_commit(lambda: metrics.STOCK_MOVEMENTS.labels(movement_type=movement_type).inc(count))
