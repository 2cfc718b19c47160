"""The inventory's figure of the seller dashboard (docs/api.md §37.11), registered in
``InventoryAppConfig.ready()`` (natjoub.registry.seller_dashboard): ``active_listings``, the active
items with available stock (quantity − reserved) above 0 at any of the caller's branches (§36),
each item once. A caller with no branch gets 0."""

from __future__ import annotations

import uuid

from django.db.models import F

from inventory_app.models import StockLevel
from inventory_app.selectors.access import branch_access


def seller_figures(*, user_id: uuid.UUID, role: str, days: int) -> dict:
    access = branch_access(user_id=user_id, role=role)
    if access.is_empty:
        return {"active_listings": 0}
    rows = StockLevel.objects.filter(inventory_item__is_active=True, quantity__gt=F("reserved_quantity"))
    if not access.every:
        rows = rows.filter(branch_id__in=sorted(access.branch_ids))
    return {"active_listings": rows.values("inventory_item_id").distinct().count()}
