"""Reads of transfers and stock alerts (docs/api.md §27, §29a), restricted to the caller's scope (§26)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum

from inventory_app.exceptions import (
    StockAlertNotFound,
    TransferNotFound,
)
from inventory_app.models import (
    AlertStatus,
    StockAlert,
    StockTransfer,
    StockTransferLine,
    TransferStatus,
)
from inventory_app.scoping import EVERYWHERE, BranchAccess
from inventory_app.selectors.stock import branch_filter_allowed


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


def transfer_list(*, filters: TransferFilters, scope: BranchAccess = EVERYWHERE) -> QuerySet[StockTransfer]:
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


def transfer_get(transfer_id: uuid.UUID, *, scope: BranchAccess = EVERYWHERE) -> StockTransfer:
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
    scope: BranchAccess = EVERYWHERE,
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


def alert_get(alert_id: uuid.UUID, *, scope: BranchAccess = EVERYWHERE) -> StockAlert:
    alert = alerts_queryset().restrict(scope).filter(pk=alert_id).first()
    if alert is None:
        raise StockAlertNotFound(alert_id=alert_id)
    return alert


def open_alerts_count() -> int:
    """The ``natjoub_stock_alerts_open`` gauge."""
    return StockAlert.objects.filter(status=AlertStatus.OPEN).count()


def open_alerts_recent(*, limit: int) -> QuerySet[StockAlert]:
    return alerts_queryset().filter(status=AlertStatus.OPEN).order_by("-opened_at", "-id")[:limit]
