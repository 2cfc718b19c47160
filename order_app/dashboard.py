"""The order panel of the back office's dashboard (registered in ``OrderAppConfig.ready()``)."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from natjoub.registry import DashboardPanel
from order_app.selectors import open_orders


def open_orders_by_branch(request) -> dict:
    rows = (
        open_orders(timezone.now())
        .values("branch_id", "branch_code", "branch_name")
        .annotate(count=Count("id"))
        .order_by("-count", "branch_code")
    )
    url = reverse("admin:order_app_order_changelist")
    return {
        "rows": [{**row, "url": f"{url}?branch_id={row['branch_id']}&open=yes"} for row in rows],
        "url": f"{url}?open=yes",
    }


PANELS = (
    DashboardPanel(
        "open_orders",
        "Open orders per branch",
        "admin/order_app/panels/open_orders.html",
        open_orders_by_branch,
        order=25,
    ),
)
