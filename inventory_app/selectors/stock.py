"""Reads of the stock ledger: movements, stock levels, low stock, reservations (docs/api.md §12–§14),
restricted to the caller's branches (§26, §36)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from django.db import connections, router
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from inventory_app import list_counts
from inventory_app import sql as statements
from inventory_app.exceptions import (
    BranchAccessDenied,
    BranchNotFound,
    MovementNotFound,
    ReservationNotFound,
)
from inventory_app.models import (
    Branch,
    ReservationStatus,
    StockLevel,
    StockMovement,
    StockReservation,
)
from inventory_app.scoping import EVERYWHERE, BranchAccess
from inventory_app.selectors.catalog import codepoint_order
from natjoub.db.pages import PageSource
from natjoub.db.union_pages import UnionPages


# -- movements --------------------------------------------------------------------------------
def movements_queryset() -> QuerySet[StockMovement]:
    return StockMovement.objects.select_related("inventory_item", "from_branch", "to_branch").only(
        *(f.attname for f in StockMovement._meta.concrete_fields),
        "inventory_item__name",
        "inventory_item__sku",
        "from_branch__name",
        "to_branch__name",
    )


@dataclass(frozen=True)
class MovementFilters:
    inventory_item_id: uuid.UUID | None = None
    branch_id: uuid.UUID | None = None
    movement_type: str | None = None
    reference_number: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None

    def counter(self) -> str | None:
        """The list counter (migration 0007) whose value is the number of movements these
        filters select: no filter, the item alone or the branch alone; None otherwise."""
        item, branch = self.inventory_item_id, self.branch_id
        others = [getattr(self, f.name) for f in fields(self) if f.name not in ("inventory_item_id", "branch_id")]
        if any(value is not None for value in others) or (item is not None and branch is not None):
            return None
        if item is not None:
            return list_counts.movements_of_item(item)
        if branch is not None:
            return list_counts.movements_at_branch(branch)
        return list_counts.MOVEMENTS


def movement_list(*, filters: MovementFilters, scope: BranchAccess = EVERYWHERE) -> PageSource:
    """The movements the filters select, newest first. Every page is an index range scan in the
    list's order (migration 0008), whatever the size of the ledger. The exact total is the
    filters' counter when one covers them and the caller sees every branch (a scoped seller's
    list is narrowed by assignments: counted)."""
    counter = filters.counter() if scope.every else None
    queryset = movements_queryset().restrict(scope)
    if filters.inventory_item_id is not None:
        queryset = queryset.filter(inventory_item_id=filters.inventory_item_id)
    if filters.movement_type is not None:
        queryset = queryset.filter(movement_type=filters.movement_type)
    if filters.reference_number is not None:
        queryset = queryset.filter(reference_number=filters.reference_number)
    if filters.created_after is not None:
        queryset = queryset.filter(created_at__gte=filters.created_after)
    if filters.created_before is not None:
        queryset = queryset.filter(created_at__lt=filters.created_before)
    queryset = queryset.order_by("-created_at", "-id")
    branch = filters.branch_id
    if branch is None:
        return PageSource(queryset, counter=counter)
    # FROM or TO the branch: as two disjoint parts, each read from its own branch index in the
    # list's order (one OR would walk the ledger by date, or fetch and sort every match).
    pages = UnionPages(
        parts=[
            queryset.filter(from_branch_id=branch),
            queryset.filter(to_branch_id=branch).exclude(from_branch_id=branch),
        ],
        counted=queryset.filter(Q(from_branch_id=branch) | Q(to_branch_id=branch)),
    )
    return PageSource(pages, counter=counter)


def movement_counts_by_type(*, since: datetime) -> dict[str, int]:
    """Movements recorded since ``since``, per type (types without any are absent)."""
    rows = (
        StockMovement.objects.filter(created_at__gte=since)
        .order_by()
        .values_list("movement_type")
        .annotate(n=Count("id"))
        .values_list("movement_type", "n")
    )
    return dict(rows)


def movements_recent(*, limit: int) -> QuerySet[StockMovement]:
    return movements_queryset().order_by("-created_at", "-id")[:limit]


def movement_get(movement_id: uuid.UUID, *, scope: BranchAccess = EVERYWHERE) -> StockMovement:
    movement = movements_queryset().restrict(scope).filter(pk=movement_id).first()
    if movement is None:
        raise MovementNotFound(movement_id=movement_id)
    return movement


# -- stock levels -----------------------------------------------------------------------------
def stock_levels_queryset() -> QuerySet[StockLevel]:
    return StockLevel.objects.select_related("inventory_item", "branch")


def check_branch_access(branch_id: uuid.UUID, scope: BranchAccess) -> None:
    """The branch exists (404) and the caller may act there (403), in one query."""
    if not Branch.objects.filter(pk=branch_id).exists():
        raise BranchNotFound(branch_id=branch_id)
    if not scope.allows(branch_id):
        raise BranchAccessDenied(branch_id=branch_id)


def branch_filter_allowed(branch_id: uuid.UUID | None, scope: BranchAccess) -> None:
    """A list filter naming a branch outside the caller's branches is a 403 (a branch that does
    not exist is not among them either). Decided from the caller's access: no query."""
    if branch_id is not None and not scope.allows(branch_id):
        raise BranchAccessDenied(branch_id=branch_id)


def stock_levels_by_branch(*, branch_id: uuid.UUID, scope: BranchAccess = EVERYWHERE) -> QuerySet[StockLevel]:
    check_branch_access(branch_id, scope)
    return stock_levels_queryset().filter(branch_id=branch_id).order_by(codepoint_order("inventory_item__sku"), "id")


def low_stock_filter(queryset: QuerySet[StockLevel]) -> QuerySet[StockLevel]:
    """Active items at active branches whose available quantity is at or below the reorder level:
    the rows flagged ``is_low`` (kept by triggers, migration 0012; the partial index of 0013) at
    active branches (docs/architecture.md §3.8)."""
    return queryset.filter(is_low=True, branch__is_active=True)


def low_stock_list(*, branch_id: uuid.UUID | None = None, scope: BranchAccess = EVERYWHERE) -> QuerySet[StockLevel]:
    branch_filter_allowed(branch_id, scope)
    queryset = low_stock_filter(stock_levels_queryset().restrict(scope))
    if branch_id is not None:
        queryset = queryset.filter(branch_id=branch_id)
    return queryset.order_by(codepoint_order("branch__name"), codepoint_order("inventory_item__sku"), "id")


class LowStockRows:
    """The low-stock list as one hand-written statement (``inventory_app.sql.low_stock_page``) that
    reads a page and the list's total: the ORM's query building cost more app CPU than the page's
    rendering (bench/results/notes.md "Round 4"). What ``MetaPagination`` needs of a page source:
    ``counted_values_page`` / ``values_page`` (tuples in ``StockLevelOutput``'s column order,
    natjoub.api.output), ``count()`` and, for any other serializer, a slice of instances."""

    model = StockLevel
    annotations = frozenset({"available_quantity"})

    def __init__(self, *, branch_id: uuid.UUID | None, scope: BranchAccess):
        self.branch_id = branch_id
        self.scope = scope
        self.shape = {"branch": branch_id is not None, "scoped": not scope.every}
        self.params: dict = {"branch": branch_id}
        if not scope.every:
            self.params["branches"] = sorted(scope.branch_ids)

    def _fetch(self, statement: str, params: dict) -> list[tuple]:
        with connections[router.db_for_read(StockLevel)].cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall()

    def counted_values_page(self, lookups: list[str], start: int, stop: int) -> list[tuple] | None:
        """Rows ``[start:stop]``, each ending with the total; None for other columns."""
        if tuple(lookups) != statements.LOW_STOCK_COLUMNS:
            return None
        params = {**self.params, "offset": start, "limit": max(stop - start, 0), "stop": max(start, stop)}
        return self._fetch(statements.low_stock_page(**self.shape), params)

    values_page = counted_values_page  # the total's column is past the plan's: never read

    def count(self) -> int:
        return self._fetch(statements.low_stock_count(**self.shape), self.params)[0][0]

    def __getitem__(self, page: slice) -> list[StockLevel]:
        return list(low_stock_list(branch_id=self.branch_id, scope=self.scope)[page])


def low_stock_page(*, branch_id: uuid.UUID | None = None, scope: BranchAccess = EVERYWHERE) -> PageSource:
    """The low-stock endpoint's list (docs/api.md §13): a page and its total in one statement over
    the flagged rows (docs/architecture.md §3.8, §3.10)."""
    branch_filter_allowed(branch_id, scope)
    return PageSource(LowStockRows(branch_id=branch_id, scope=scope), counted_with_page=True)


def low_stock_count() -> int:
    """What the low-stock endpoint would return without filters (the gauge, docs/api.md §17.2)."""
    return low_stock_filter(StockLevel.objects.all()).count()


# -- reservations -----------------------------------------------------------------------------
def reservations_queryset() -> QuerySet[StockReservation]:
    return StockReservation.objects.select_related("inventory_item").only(
        *(f.attname for f in StockReservation._meta.concrete_fields), "inventory_item__sku"
    )


def reservation_list(
    *,
    status: str | None = None,
    branch_id: uuid.UUID | None = None,
    inventory_item_id: uuid.UUID | None = None,
    scope: BranchAccess = EVERYWHERE,
) -> QuerySet[StockReservation]:
    queryset = reservations_queryset().restrict(scope)
    now = timezone.now()
    if status == ReservationStatus.ACTIVE:
        queryset = queryset.filter(status=ReservationStatus.ACTIVE, expires_at__gt=now)
    elif status == ReservationStatus.EXPIRED:
        queryset = queryset.filter(
            Q(status=ReservationStatus.EXPIRED) | Q(status=ReservationStatus.ACTIVE, expires_at__lte=now)
        )
    elif status is not None:
        queryset = queryset.filter(status=status)
    if branch_id is not None:
        queryset = queryset.filter(branch_id=branch_id)
    if inventory_item_id is not None:
        queryset = queryset.filter(inventory_item_id=inventory_item_id)
    return queryset.order_by("-created_at", "-id")


def reservations_expiring(*, within: timedelta, limit: int) -> QuerySet[StockReservation]:
    """ACTIVE reservations that expire within ``within`` from now, soonest first."""
    now = timezone.now()
    return (
        StockReservation.objects.select_related("inventory_item", "branch")
        .filter(status=ReservationStatus.ACTIVE, expires_at__gt=now, expires_at__lte=now + within)
        .order_by("expires_at", "id")[:limit]
    )


def reservation_get(reservation_id: uuid.UUID, *, scope: BranchAccess = EVERYWHERE) -> StockReservation:
    reservation = reservations_queryset().restrict(scope).filter(pk=reservation_id).first()
    if reservation is None:
        raise ReservationNotFound(reservation_id=reservation_id)
    return reservation
