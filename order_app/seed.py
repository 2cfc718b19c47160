"""``seed_demo --orders`` (docs/api.md §40): two example orders by customer1@example.com at ST-DT,
one PLACED and one READY, placed and moved on through the order services. Nothing by default;
once only (skipped when the customer already has an order)."""

from __future__ import annotations

import uuid

import inventory_app.services.holds as holds
from auth_app.directory import Role, find_user
from natjoub.registry import SeedFlag
from order_app import services
from order_app.models import Order
from order_app.selectors import Viewer

# The demo accounts' fixed ids (auth_app/seed.py): customer1@example.com and admin@example.com.
CUSTOMER_ID = uuid.UUID("cccccccc-cccc-cccc-cccc-cccccccccccc")
ADMIN_ID = uuid.UUID("aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa")
BRANCH_CODE = "ST-DT"
FLAG = SeedFlag(
    "--orders", "Also place two example orders by customer1@example.com at ST-DT (one PLACED, one READY), once."
)


def demo_seeder(ctx) -> list[str]:
    if not ctx.options.get("orders"):
        return []
    customer = find_user(CUSTOMER_ID)
    if customer is None or Order.objects.filter(customer_id=CUSTOMER_ID).exists():
        return ["Demo orders created: 0"]
    branch, stocked = holds.stocked_at(branch_code=BRANCH_CODE, limit=2)
    if branch is None or len(stocked) < 2:
        return ["Demo orders created: 0 (no stock at ST-DT)"]
    (first, _), (second, _) = stocked
    services.order_place(
        customer_id=CUSTOMER_ID,
        branch_id=branch.id,
        lines=[{"inventory_item_id": first.id, "quantity": 1}],
        notes="Demo order (placed)",
    )
    ready = services.order_place(
        customer_id=CUSTOMER_ID,
        branch_id=branch.id,
        lines=[{"inventory_item_id": second.id, "quantity": 1}],
        notes="Demo order (ready for pickup)",
    )
    staff = Viewer.of(ctx.values.get("admin_id") or ADMIN_ID, Role.ADMIN)
    services.order_confirm(order_id=ready.pk, viewer=staff)
    services.order_ready(order_id=ready.pk, viewer=staff)
    return ["Demo orders created: 2"]
