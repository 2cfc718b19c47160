"""The inventory lists' query parameters (docs/api.md §9–§14, §26–§29a, §36) as FilterSets
(natjoub/api/filters.py): declared in snake_case like the selectors' arguments, camelCase on the
wire, validated with ``limit``/``offset`` in one form."""

from __future__ import annotations

from inventory_app.models import AlertStatus, MovementType, ReservationStatus, TransferStatus
from inventory_app.selectors import (
    ITEM_ORDERING_MESSAGE,
    ITEM_ORDERINGS,
    MovementFilters,
    TransferFilters,
    parse_item_ordering,
)
from inventory_app.serializers import (
    ALERT_STATUS_MESSAGE,
    MOVEMENT_FILTER_MESSAGE,
    STATUS_MESSAGE,
    TRANSFER_STATUS_MESSAGE,
)
from natjoub.api.filters import (
    ApiFilterSet,
    StrictBoolFilter,
    StrictChoiceFilter,
    StrictDateTimeFilter,
    StrictTextFilter,
    StrictUUIDFilter,
)

ITEM_ORDERING_CHOICES = [(value, value) for name in ITEM_ORDERINGS for value in (name, f"-{name}")]


class BranchFilterSet(ApiFilterSet):
    is_active = StrictBoolFilter()
    search = StrictTextFilter(help_text="Case-insensitive substring of name, code or city")


class CategoryFilterSet(ApiFilterSet):
    parent_category_id = StrictUUIDFilter(help_text="Direct children of this category")
    root_only = StrictBoolFilter(default=False, help_text="true: only categories without a parent")


class ItemFilterSet(ApiFilterSet):
    category_id = StrictUUIDFilter(help_text="That category and all its descendants")
    search = StrictTextFilter(help_text="Case-insensitive substring of name, sku or barcode")
    is_active = StrictBoolFilter()
    ordering = StrictChoiceFilter(
        choices=ITEM_ORDERING_CHOICES,
        parser=parse_item_ordering,
        message=ITEM_ORDERING_MESSAGE,
        default=("name", False),
        help_text="name, sku, unitPrice or createdAt; prefix - for descending (default name)",
    )


class MovementFilterSet(ApiFilterSet):
    inventory_item_id = StrictUUIDFilter()
    branch_id = StrictUUIDFilter(help_text="Matches the FROM or the TO branch")
    movement_type = StrictChoiceFilter(choices=MovementType.choices, message=MOVEMENT_FILTER_MESSAGE)
    reference_number = StrictTextFilter(help_text="Exact match")
    created_after = StrictDateTimeFilter(help_text="createdAt >= value")
    created_before = StrictDateTimeFilter(help_text="createdAt < value")

    def arguments(self) -> dict:
        return {"filters": MovementFilters(**super().arguments())}


class LowStockFilterSet(ApiFilterSet):
    branch_id = StrictUUIDFilter()


class ReservationFilterSet(ApiFilterSet):
    status = StrictChoiceFilter(choices=ReservationStatus.choices, message=STATUS_MESSAGE, help_text="Effective status")
    branch_id = StrictUUIDFilter()
    inventory_item_id = StrictUUIDFilter()


class TransferFilterSet(ApiFilterSet):
    status = StrictChoiceFilter(choices=TransferStatus.choices, message=TRANSFER_STATUS_MESSAGE)
    from_branch_id = StrictUUIDFilter()
    to_branch_id = StrictUUIDFilter()
    branch_id = StrictUUIDFilter(help_text="Matches the FROM or the TO branch")
    inventory_item_id = StrictUUIDFilter(help_text="Transfers with a line of this item")

    def arguments(self) -> dict:
        return {"filters": TransferFilters(**super().arguments())}


class AlertFilterSet(ApiFilterSet):
    status = StrictChoiceFilter(choices=AlertStatus.choices, message=ALERT_STATUS_MESSAGE)
    branch_id = StrictUUIDFilter()
    inventory_item_id = StrictUUIDFilter()


class SellerAccessFilterSet(ApiFilterSet):
    pending_access = StrictBoolFilter(help_text="true: sellers with no branch; false: the others")
