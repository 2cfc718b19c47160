"""The auth lists' query parameters (docs/api.md §6.9) and the seller dashboard's (§6.13) as
FilterSets (natjoub/api/filters.py)."""

from __future__ import annotations

from natjoub.api.filters import ApiFilterSet, StrictBoolFilter, StrictIntFilter, StrictTextFilter
from natjoub.api.query import parse_int_between

DASHBOARD_DAYS = "Must be an integer between 1 and 365"


class UserFilterSet(ApiFilterSet):
    # as sent (NUL included): an unknown role is INVALID_ROLE, decided after validation, not a 400
    role = StrictTextFilter(parser=str, help_text="admin, seller or customer (case-insensitive)")
    is_active = StrictBoolFilter()
    search = StrictTextFilter(help_text="Substring of name, e-mail or username")


class DashboardFilterSet(ApiFilterSet):
    paginated = False
    days = StrictIntFilter(
        parser=parse_int_between(1, 365), message=DASHBOARD_DAYS, default=30, help_text="1–365, default 30"
    )
