"""The orders list's query parameters (docs/api.md §37.4) as a FilterSet (natjoub/api/filters.py)."""

from __future__ import annotations

from natjoub.api.filters import (
    ApiFilterSet,
    StrictChoiceFilter,
    StrictDateTimeFilter,
    StrictTextFilter,
    StrictUUIDFilter,
)
from order_app.models import OrderStatus
from order_app.selectors import OrderFilters
from order_app.serializers import STATUS_MESSAGE


class OrderFilterSet(ApiFilterSet):
    status = StrictChoiceFilter(choices=OrderStatus.choices, message=STATUS_MESSAGE, help_text="The effective status")
    branch_id = StrictUUIDFilter()
    customer_id = StrictUUIDFilter(help_text="Ignored for a customer")
    placed_from = StrictDateTimeFilter(help_text="placedAt >= value")
    placed_to = StrictDateTimeFilter(help_text="placedAt < value")
    search = StrictTextFilter(help_text="Order number prefix, case-insensitive")

    def arguments(self) -> dict:
        return {"filters": OrderFilters(**super().arguments())}
