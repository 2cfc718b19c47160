"""Reads: querysets with their joins and annotations, in the contract's orders (§9–§14)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Collate
from django.utils import timezone

from inventory_app import hierarchy
from inventory_app.exceptions import (
    AssignmentNotFound,
    BranchAccessDenied,
    BranchNotFound,
    CategoryNotFound,
    ItemNotFound,
    MovementNotFound,
    ReservationNotFound,
    StockAlertNotFound,
    TransferNotFound,
)
from inventory_app.models import (
    AlertStatus,
    Branch,
    BranchAssignment,
    Category,
    InventoryItem,
    ReservationStatus,
    StockAlert,
    StockLevel,
    StockMovement,
    StockReservation,
    StockTransfer,
    StockTransferLine,
    TransferStatus,
)
from inventory_app.scoping import EVERYWHERE, BranchScope


def codepoint_order(field: str, descending: bool = False):
    """A text sort by code point (PostgreSQL ``COLLATE "C"``)."""
    expression = Collate(F(field), "C")
    return expression.desc() if descending else expression.asc()


# -- branches ---------------------------------------------------------------------------------
def branch_list(*, is_active: bool | None = None, search: str | None = None) -> QuerySet[Branch]:
    queryset = Branch.objects.all()
    if is_active is not None:
        queryset = queryset.filter(is_active=is_active)
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(code__icontains=search) | Q(city__icontains=search))
    return queryset.order_by("created_at", "id")


def branch_get(branch_id: uuid.UUID) -> Branch:
    branch = Branch.objects.filter(pk=branch_id).first()
    if branch is None:
        raise BranchNotFound(branch_id=branch_id)
    return branch


def branches_mine(*, scope: BranchScope) -> tuple[QuerySet[Branch], bool]:
    """The branches the caller may act on (all for admins and unscoped sellers), by code, and
    whether the caller is scoped (docs/api.md §26)."""
    queryset = Branch.objects.order_by(codepoint_order("code"), "id")
    if scope.unrestricted:
        return queryset, False
    scoped = scope.assignments().exists()
    if scoped:
        queryset = queryset.filter(pk__in=scope.assignments().values("branch_id"))
    return queryset, scoped


def branch_staff(*, branch_id: uuid.UUID) -> QuerySet[BranchAssignment]:
    """The branch's assignments with their users, by e-mail (code point order), then id."""
    if not Branch.objects.filter(pk=branch_id).exists():
        raise BranchNotFound(branch_id=branch_id)
    return (
        BranchAssignment.objects.filter(branch_id=branch_id)
        .select_related("user__credentials")
        .order_by(codepoint_order("user__credentials__email"), "id")
    )


def assignment_get(*, branch_id: uuid.UUID, user_id: uuid.UUID) -> BranchAssignment:
    assignment = (
        BranchAssignment.objects.filter(branch_id=branch_id, user_id=user_id)
        .select_related("user__credentials")
        .first()
    )
    if assignment is None:
        raise AssignmentNotFound
    return assignment


def branch_in_use(branch: Branch) -> bool:
    """Stock, reservations, transfers or ledger history at the branch: it can only be deactivated."""
    return (
        branch.stock_levels.exclude(quantity=0).exists()
        or StockReservation.objects.filter(branch=branch).exists()
        or StockMovement.objects.filter(from_branch=branch).exists()
        or StockMovement.objects.filter(to_branch=branch).exists()
        or StockTransfer.objects.filter(Q(from_branch=branch) | Q(to_branch=branch)).exists()
    )


# -- categories -------------------------------------------------------------------------------
def category_list(*, parent_category_id: uuid.UUID | None = None, root_only: bool = False) -> QuerySet[Category]:
    queryset = Category.objects.all()
    if parent_category_id is not None:
        queryset = queryset.filter(parent_category_id=parent_category_id)
    if root_only:
        queryset = queryset.filter(parent_category__isnull=True)
    return queryset.order_by(codepoint_order("name"), "id")


def category_get(category_id: uuid.UUID) -> Category:
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise CategoryNotFound(category_id=category_id)
    return category


def category_tree() -> list[dict]:
    """Active roots, each with its active children, recursively; siblings by name, then id."""
    active = Category.objects.filter(is_active=True).order_by(codepoint_order("name"), "id")
    rows = list(active.values("id", "name", "parent_category_id"))
    children: dict[uuid.UUID | None, list[dict]] = {}
    for row in rows:
        children.setdefault(row["parent_category_id"], []).append(row)

    def build(parent_id: uuid.UUID | None, seen: frozenset) -> list[dict]:
        return [
            {"id": str(row["id"]), "name": row["name"], "children": build(row["id"], seen | {row["id"]})}
            for row in children.get(parent_id, [])
            if row["id"] not in seen
        ]

    return build(None, frozenset())


def category_subtree_sql(category_id: uuid.UUID) -> RawSQL:
    """The ids of the category and all its descendants, as a subquery."""
    return RawSQL(hierarchy.descendants_sql(), [category_id])  # noqa: S611 - the id is a parameter


def category_ancestor_ids(category_id: uuid.UUID) -> set[uuid.UUID]:
    """The category and its ancestors (one recursive query)."""
    with connection.cursor() as cursor:
        cursor.execute(hierarchy.ancestors_sql(), [category_id])
        return {row[0] for row in cursor.fetchall()}


# -- items ------------------------------------------------------------------------------------
ITEM_ORDERINGS = {"name": "name", "sku": "sku", "unitPrice": "unit_price", "createdAt": "created_at"}
ITEM_ORDERING_MESSAGE = "Must be one of: name, sku, unitPrice, createdAt (prefix - for descending)"
TEXT_FIELDS = {"name", "sku"}


def item_total_stock() -> Coalesce:
    """Units of the item across all branches (0 without stock rows), as a correlated subquery so
    a list keeps one row per item and one query per page (API list and admin changelist)."""
    per_item = (
        StockLevel.objects.filter(inventory_item_id=OuterRef("pk"))
        .order_by()
        .values("inventory_item_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(per_item, output_field=IntegerField()), Value(0))


def items_queryset() -> QuerySet[InventoryItem]:
    return InventoryItem.objects.annotate(category_name=F("category__name"), total_stock=item_total_stock())


def parse_item_ordering(raw: str) -> tuple[str, bool]:
    descending = raw.startswith("-")
    name = raw[1:] if descending else raw
    if name not in ITEM_ORDERINGS:
        raise ValueError(raw)
    return ITEM_ORDERINGS[name], descending


def item_list(
    *,
    category_id: uuid.UUID | None = None,
    search: str | None = None,
    is_active: bool | None = None,
    ordering: tuple[str, bool] = ("name", False),
) -> QuerySet[InventoryItem]:
    queryset = items_queryset()
    if category_id is not None:
        queryset = queryset.filter(category_id__in=category_subtree_sql(category_id))
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(sku__icontains=search) | Q(barcode__icontains=search))
    if is_active is not None:
        queryset = queryset.filter(is_active=is_active)
    field, descending = ordering
    first = (
        codepoint_order(field, descending)
        if field in TEXT_FIELDS
        else (F(field).desc() if descending else F(field).asc())
    )
    return queryset.order_by(first, "id")


def item_in_use(item: InventoryItem) -> bool:
    """Stock, reservations or ledger history of the item: it can only be deactivated."""
    return (
        item.stock_levels.exclude(quantity=0).exists()
        or StockReservation.objects.filter(inventory_item=item).exists()
        or StockMovement.objects.filter(inventory_item=item).exists()
    )


def item_get(item_id: uuid.UUID) -> InventoryItem:
    item = items_queryset().filter(pk=item_id).first()
    if item is None:
        raise ItemNotFound(item_id=item_id)
    return item


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


def movement_list(*, filters: MovementFilters, scope: BranchScope = EVERYWHERE) -> QuerySet[StockMovement]:
    queryset = movements_queryset().restrict(scope)
    if filters.inventory_item_id is not None:
        queryset = queryset.filter(inventory_item_id=filters.inventory_item_id)
    if filters.branch_id is not None:
        queryset = queryset.filter(Q(from_branch_id=filters.branch_id) | Q(to_branch_id=filters.branch_id))
    if filters.movement_type is not None:
        queryset = queryset.filter(movement_type=filters.movement_type)
    if filters.reference_number is not None:
        queryset = queryset.filter(reference_number=filters.reference_number)
    if filters.created_after is not None:
        queryset = queryset.filter(created_at__gte=filters.created_after)
    if filters.created_before is not None:
        queryset = queryset.filter(created_at__lt=filters.created_before)
    return queryset.order_by("-created_at", "-id")


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


def movement_get(movement_id: uuid.UUID, *, scope: BranchScope = EVERYWHERE) -> StockMovement:
    movement = movements_queryset().restrict(scope).filter(pk=movement_id).first()
    if movement is None:
        raise MovementNotFound(movement_id=movement_id)
    return movement


# -- stock levels -----------------------------------------------------------------------------
def stock_levels_queryset() -> QuerySet[StockLevel]:
    return StockLevel.objects.select_related("inventory_item", "branch")


def branch_access(branch_id: uuid.UUID, scope: BranchScope) -> None:
    """The branch exists (404) and the caller may act there (403), in one query."""
    allowed = Branch.objects.filter(pk=branch_id).annotate(allowed=scope.allows("pk"))
    found = allowed.values_list("allowed", flat=True).first()
    if found is None:
        raise BranchNotFound(branch_id=branch_id)
    if not found:
        raise BranchAccessDenied(branch_id=branch_id)


def branch_filter_allowed(branch_id: uuid.UUID | None, scope: BranchScope) -> None:
    """A list filter naming a branch outside a scoped seller's assignments is a 403 (a branch
    that does not exist is not assigned either); otherwise nothing to check, no query."""
    if branch_id is None or scope.unrestricted:
        return
    assigned = scope.assignments()
    if assigned.exists() and not assigned.filter(branch_id=branch_id).exists():
        raise BranchAccessDenied(branch_id=branch_id)


def stock_levels_by_branch(*, branch_id: uuid.UUID, scope: BranchScope = EVERYWHERE) -> QuerySet[StockLevel]:
    branch_access(branch_id, scope)
    return stock_levels_queryset().filter(branch_id=branch_id).order_by(codepoint_order("inventory_item__sku"), "id")


def low_stock_filter(queryset: QuerySet[StockLevel]) -> QuerySet[StockLevel]:
    """Active items at active branches whose available quantity is at or below the reorder level.

    The first condition is implied by the second; it lets PostgreSQL range-scan the expression
    index on ``(quantity - reserved_quantity)`` (migration 0002): a row above the largest active
    reorder level cannot be low. The bound is read first (an index-only scan, migration 0003) and
    passed as a value, so the planner estimates the few candidate rows correctly and looks items
    up by key instead of hashing the whole item table."""
    max_level = (
        InventoryItem.objects.filter(is_active=True).order_by("-reorder_level").values_list("reorder_level", flat=True)
    ).first()
    if max_level is None:
        return queryset.none()
    return queryset.annotate(available=F("quantity") - F("reserved_quantity")).filter(
        available__lte=max_level,
        quantity__lte=F("reserved_quantity") + F("inventory_item__reorder_level"),
        inventory_item__is_active=True,
        branch__is_active=True,
    )


def low_stock_list(*, branch_id: uuid.UUID | None = None, scope: BranchScope = EVERYWHERE) -> QuerySet[StockLevel]:
    branch_filter_allowed(branch_id, scope)
    queryset = low_stock_filter(stock_levels_queryset().restrict(scope))
    if branch_id is not None:
        queryset = queryset.filter(branch_id=branch_id)
    return queryset.order_by(codepoint_order("branch__name"), codepoint_order("inventory_item__sku"), "id")


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
    scope: BranchScope = EVERYWHERE,
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


def reservation_get(reservation_id: uuid.UUID, *, scope: BranchScope = EVERYWHERE) -> StockReservation:
    reservation = reservations_queryset().restrict(scope).filter(pk=reservation_id).first()
    if reservation is None:
        raise ReservationNotFound(reservation_id=reservation_id)
    return reservation


# -- transfers --------------------------------------------------------------------------------
def transfers_queryset() -> QuerySet[StockTransfer]:
    """Transfers with their branch names and their lines (request order: line ids are issued in
    ascending order at dispatch) with item sku and name: three queries per page."""
    lines = StockTransferLine.objects.select_related("inventory_item").order_by("id")
    return StockTransfer.objects.select_related("from_branch", "to_branch").prefetch_related(
        Prefetch("lines", queryset=lines)
    )


@dataclass(frozen=True)
class TransferFilters:
    status: str | None = None
    from_branch_id: uuid.UUID | None = None
    to_branch_id: uuid.UUID | None = None
    branch_id: uuid.UUID | None = None
    inventory_item_id: uuid.UUID | None = None


def transfer_list(*, filters: TransferFilters, scope: BranchScope = EVERYWHERE) -> QuerySet[StockTransfer]:
    queryset = transfers_queryset().restrict(scope)
    if filters.status is not None:
        queryset = queryset.filter(status=filters.status)
    if filters.from_branch_id is not None:
        queryset = queryset.filter(from_branch_id=filters.from_branch_id)
    if filters.to_branch_id is not None:
        queryset = queryset.filter(to_branch_id=filters.to_branch_id)
    if filters.branch_id is not None:
        queryset = queryset.filter(Q(from_branch_id=filters.branch_id) | Q(to_branch_id=filters.branch_id))
    if filters.inventory_item_id is not None:
        on_a_line = StockTransferLine.objects.filter(
            transfer_id=OuterRef("pk"), inventory_item_id=filters.inventory_item_id
        )
        queryset = queryset.filter(Exists(on_a_line))
    return queryset.order_by("-dispatched_at", "-id")


def transfer_get(transfer_id: uuid.UUID, *, scope: BranchScope = EVERYWHERE) -> StockTransfer:
    transfer = transfers_queryset().restrict(scope).filter(pk=transfer_id).first()
    if transfer is None:
        raise TransferNotFound(transfer_id=transfer_id)
    return transfer


def transfers_in_transit(*, limit: int) -> QuerySet[StockTransfer]:
    """The oldest transfers still on their way, with branch names and a count of their units."""
    return (
        StockTransfer.objects.filter(status=TransferStatus.IN_TRANSIT)
        .select_related("from_branch", "to_branch")
        .annotate(units=Sum("lines__quantity"), line_count=Count("lines"))
        .order_by("dispatched_at", "id")[:limit]
    )


# -- stock alerts -----------------------------------------------------------------------------
def alerts_queryset() -> QuerySet[StockAlert]:
    return StockAlert.objects.select_related("inventory_item", "branch").only(
        *(f.attname for f in StockAlert._meta.concrete_fields),
        "inventory_item__sku",
        "inventory_item__name",
        "branch__name",
    )


def alert_list(
    *,
    status: str | None = None,
    branch_id: uuid.UUID | None = None,
    inventory_item_id: uuid.UUID | None = None,
    scope: BranchScope = EVERYWHERE,
) -> QuerySet[StockAlert]:
    branch_filter_allowed(branch_id, scope)
    queryset = alerts_queryset().restrict(scope)
    if status is not None:
        queryset = queryset.filter(status=status)
    if branch_id is not None:
        queryset = queryset.filter(branch_id=branch_id)
    if inventory_item_id is not None:
        queryset = queryset.filter(inventory_item_id=inventory_item_id)
    return queryset.order_by("-opened_at", "-id")


def alert_get(alert_id: uuid.UUID, *, scope: BranchScope = EVERYWHERE) -> StockAlert:
    alert = alerts_queryset().restrict(scope).filter(pk=alert_id).first()
    if alert is None:
        raise StockAlertNotFound(alert_id=alert_id)
    return alert


def open_alerts_count() -> int:
    """The ``natjoub_stock_alerts_open`` gauge."""
    return StockAlert.objects.filter(status=AlertStatus.OPEN).count()


def open_alerts_recent(*, limit: int) -> QuerySet[StockAlert]:
    return alerts_queryset().filter(status=AlertStatus.OPEN).order_by("-opened_at", "-id")[:limit]
