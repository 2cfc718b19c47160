"""Figures of the back office's charts (docs/architecture.md, "Charts in the back office"): one
aggregate query per chart, each served by an index, whatever the size of the ledger.

Every dashboard figure takes ``branch_ids``: the branches it may cover, None for every branch. The
caller passes what the one "which branches may this caller touch" function returned
(``inventory_app.dashboard.chart_branches``), narrowed by the dashboard's branch filter; a figure
never reads another branch. Nothing is cached here: the page asks once per request.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce

from inventory_app import sql as statements
from inventory_app.models import MovementDayCount, MovementType, StockLevel, StockMovement

BranchIds = Collection[uuid.UUID] | None

# The movement chart's stacks: the four single-branch types, and every kind of transfer as one.
TRANSFERS = "Transfers"
MOVEMENT_GROUPS = (MovementType.IN, MovementType.OUT, MovementType.ADJUSTMENT, MovementType.RETURN, TRANSFERS)
GROUP_OF = {
    MovementType.TRANSFER: TRANSFERS,
    MovementType.TRANSFER_OUT: TRANSFERS,
    MovementType.TRANSFER_IN: TRANSFERS,
}


def _touching(branch_ids: Collection[uuid.UUID]) -> Q:
    return Q(from_branch_id__in=branch_ids) | Q(to_branch_id__in=branch_ids)


def movements_per_day(*, since: date, branch_ids: BranchIds) -> dict[tuple[date, str], int]:
    """Movements recorded since the UTC day ``since`` per day and stack (``MOVEMENT_GROUPS``);
    with ``branch_ids``, those leaving or entering one of them (a transfer between two of them
    once). Read from the day counts the ledger's triggers keep (migration 0010): one GROUP BY over
    a range of their ``(day, …)`` unique index, a few rows per day and branch pair, instead of
    every movement of the window."""
    queryset = MovementDayCount.objects.filter(day__gte=since)
    if branch_ids is not None:
        queryset = queryset.filter(_touching(branch_ids))
    rows = (
        queryset.order_by()
        .values("day", "movement_type")
        .annotate(total=Sum("n"))
        .values_list("day", "movement_type", "total")
    )
    counts: dict[tuple[date, str], int] = {}
    for day, kind, n in rows:
        if n:
            key = (day, GROUP_OF.get(kind, kind))
            counts[key] = counts.get(key, 0) + n
    return counts


@dataclass(frozen=True)
class BranchValue:
    branch_id: uuid.UUID
    code: str
    name: str
    available: Decimal
    reserved: Decimal


def stock_value_by_branch(*, branch_ids: BranchIds) -> list[BranchValue]:
    """Σ quantity × unit price of every stock row per branch, split into available and reserved
    units; branches by code. One GROUP BY over the stock rows (one per item and branch)."""
    price = F("inventory_item__unit_price")
    money = DecimalField(max_digits=20, decimal_places=2)
    queryset = StockLevel.objects.all()
    if branch_ids is not None:
        queryset = queryset.filter(branch_id__in=branch_ids)
    rows = (
        queryset.order_by()
        .values("branch_id", "branch__code", "branch__name")
        .annotate(
            available=Coalesce(
                Sum(ExpressionWrapper((F("quantity") - F("reserved_quantity")) * price, output_field=money)),
                Decimal(0),
                output_field=money,
            ),
            reserved=Coalesce(
                Sum(ExpressionWrapper(F("reserved_quantity") * price, output_field=money)),
                Decimal(0),
                output_field=money,
            ),
        )
        .order_by("branch__code")
    )
    return [
        BranchValue(r["branch_id"], r["branch__code"], r["branch__name"], r["available"], r["reserved"]) for r in rows
    ]


@dataclass(frozen=True)
class NearReorder:
    stock_level_id: uuid.UUID
    sku: str
    item_name: str
    branch_code: str
    available: int
    reorder_level: int

    @property
    def margin(self) -> int:
        return self.available - self.reorder_level


def nearest_reorder(*, branch_ids: BranchIds, limit: int = 10) -> list[NearReorder]:
    """The ``limit`` stock rows of active items at active branches whose available quantity is
    nearest their item's reorder level, lowest margin (available − reorder level) first: those
    below the level, then those just above.

    One statement, served by the expression index on ``quantity - reserved_quantity`` (migration
    0002) instead of a sort of every stock row: the ``limit`` rows with the least available stock
    bound the answer's margin by M, and a row with margin ≤ M has at most M + the largest active
    reorder level available (read from migration 0003's index), a range of that index."""
    params = {"limit": limit, "branches": list(branch_ids or [])}
    with connection.cursor() as cursor:
        cursor.execute(statements.nearest_reorder(some_branches=branch_ids is not None), params)
        return [NearReorder(*row) for row in cursor.fetchall()]


# -- one item (its admin page) ----------------------------------------------------------------
@dataclass(frozen=True)
class ItemStock:
    branch_code: str
    branch_name: str
    available: int
    reserved: int


def item_stock_by_branch(item_id: uuid.UUID) -> list[ItemStock]:
    """The item's stock rows with their branch, by branch code (the unique (item, branch) index)."""
    rows = (
        StockLevel.objects.filter(inventory_item_id=item_id)
        .order_by("branch__code")
        .values_list("branch__code", "branch__name", "quantity", "reserved_quantity")
    )
    return [ItemStock(code, name, quantity - reserved, reserved) for code, name, quantity, reserved in rows]


@dataclass(frozen=True)
class BalancePoint:
    created_at: datetime
    movement_type: str
    from_code: str | None
    to_code: str | None
    from_balance_after: int | None
    to_balance_after: int | None


def item_balance_history(item_id: uuid.UUID, *, limit: int) -> list[BalancePoint]:
    """The item's last ``limit`` movements, oldest first, with the balance each left at its FROM
    and TO branch (docs/api.md §28): a range of the ``(inventory_item, created_at, id)`` index."""
    rows = (
        StockMovement.objects.filter(inventory_item_id=item_id)
        .order_by("-created_at", "-id")
        .values_list(
            "created_at",
            "movement_type",
            "from_branch__code",
            "to_branch__code",
            "from_balance_after",
            "to_balance_after",
        )[:limit]
    )
    return [BalancePoint(*row) for row in reversed(rows)]
