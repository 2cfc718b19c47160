"""Reads of branches (with their staff), categories and items, in the contract's orders (docs/api.md §9–§11, §26)."""

from __future__ import annotations

import uuid

from django.db import connection
from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Collate

from auth_app import directory
from inventory_app import list_counts
from inventory_app import sql as statements
from inventory_app.exceptions import (
    AssignmentNotFound,
    BranchNotFound,
    CategoryNotFound,
    ItemNotFound,
)
from inventory_app.models import (
    Branch,
    BranchAssignment,
    Category,
    InventoryItem,
    StockLevel,
    StockMovement,
    StockReservation,
    StockTransfer,
)
from inventory_app.scoping import BranchAccess
from natjoub.db.pages import PageSource


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


def branches_mine(*, scope: BranchAccess) -> tuple[QuerySet[Branch], bool]:
    """The branches the caller may act on, by code, and whether the caller is scoped: false for
    admins and sellers with an all-branches grant (docs/api.md §36)."""
    queryset = Branch.objects.order_by(codepoint_order("code"), "id")
    if scope.every:
        return queryset, False
    ids = sorted(scope.branch_ids)
    return queryset.filter(Q(pk__in=ids) if ids else Q(pk__isnull=True)), True


def branch_staff(*, branch_id: uuid.UUID) -> QuerySet[BranchAssignment]:
    """The branch's assignments with their users, by e-mail (code point order), then id."""
    if not Branch.objects.filter(pk=branch_id).exists():
        raise BranchNotFound(branch_id=branch_id)
    return (
        BranchAssignment.objects.filter(branch_id=branch_id)
        .select_related("user")
        .annotate(user_email=directory.email_of("user_id"))
        .order_by(codepoint_order("user_email"), "id")
    )


def assignment_get(*, branch_id: uuid.UUID, user_id: uuid.UUID) -> BranchAssignment:
    assignment = (
        BranchAssignment.objects.filter(branch_id=branch_id, user_id=user_id)
        .select_related("user")
        .annotate(user_email=directory.email_of("user_id"))
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
    return RawSQL(statements.CATEGORY_DESCENDANTS, [category_id])  # noqa: S611 - the id is a parameter


def category_ancestor_ids(category_id: uuid.UUID) -> set[uuid.UUID]:
    """The category and its ancestors (one recursive query)."""
    with connection.cursor() as cursor:
        cursor.execute(statements.CATEGORY_ANCESTOR_IDS, [category_id])
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
) -> PageSource:
    """Items by ``ordering``, then id. Unfiltered (every item), its exact total is the items
    counter (migration 0007); filtered, it is counted."""
    queryset = items_queryset()
    unfiltered = category_id is None and not search and is_active is None
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
    return PageSource(queryset.order_by(first, "id"), counter=list_counts.ITEMS if unfiltered else None)


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
