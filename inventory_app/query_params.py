"""List query parameters (camelCase on the wire, docs/api.md §9–§14): parsed into selector
arguments, every malformed value reported under its parameter name."""

from __future__ import annotations

from inventory_app.models import AlertStatus, MovementType, ReservationStatus, TransferStatus
from inventory_app.selectors import ITEM_ORDERING_MESSAGE, MovementFilters, TransferFilters, parse_item_ordering
from inventory_app.serializers import (
    ALERT_STATUS_MESSAGE,
    MOVEMENT_FILTER_MESSAGE,
    STATUS_MESSAGE,
    TRANSFER_STATUS_MESSAGE,
)
from natjoub.api.query import QueryParams


def branch_filters(query: QueryParams) -> dict:
    return {"is_active": query.bool("isActive"), "search": query.text("search")}


def category_filters(query: QueryParams) -> dict:
    return {"parent_category_id": query.uuid("parentCategoryId"), "root_only": bool(query.bool("rootOnly"))}


def item_filters(query: QueryParams) -> dict:
    return {
        "category_id": query.uuid("categoryId"),
        "search": query.text("search"),
        "is_active": query.bool("isActive"),
        "ordering": query.get("ordering", parse_item_ordering, ITEM_ORDERING_MESSAGE, ("name", False)),
    }


def movement_filters(query: QueryParams) -> dict:
    return {
        "filters": MovementFilters(
            inventory_item_id=query.uuid("inventoryItemId"),
            branch_id=query.uuid("branchId"),
            movement_type=query.choice("movementType", MovementType.values, MOVEMENT_FILTER_MESSAGE),
            reference_number=query.text("referenceNumber"),
            created_after=query.datetime("createdAfter"),
            created_before=query.datetime("createdBefore"),
        )
    }


def low_stock_filters(query: QueryParams) -> dict:
    return {"branch_id": query.uuid("branchId")}


def reservation_filters(query: QueryParams) -> dict:
    return {
        "status": query.choice("status", ReservationStatus.values, STATUS_MESSAGE),
        "branch_id": query.uuid("branchId"),
        "inventory_item_id": query.uuid("inventoryItemId"),
    }


def transfer_filters(query: QueryParams) -> dict:
    return {
        "filters": TransferFilters(
            status=query.choice("status", TransferStatus.values, TRANSFER_STATUS_MESSAGE),
            from_branch_id=query.uuid("fromBranchId"),
            to_branch_id=query.uuid("toBranchId"),
            branch_id=query.uuid("branchId"),
            inventory_item_id=query.uuid("inventoryItemId"),
        )
    }


def alert_filters(query: QueryParams) -> dict:
    return {
        "status": query.choice("status", AlertStatus.values, ALERT_STATUS_MESSAGE),
        "branch_id": query.uuid("branchId"),
        "inventory_item_id": query.uuid("inventoryItemId"),
    }
