"""The order panel of the back office's dashboard (registered in ``OrderAppConfig.ready()``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from auth_app import directory
from auth_app.directory import Role
from inventory_app.selectors.access import branch_access
from natjoub.admin.charts import CHART_PANEL_TEMPLATE, Chart, Series, chart_panel
from natjoub.registry import DashboardPanel
from order_app import selectors
from order_app.models import OrderStatus
from order_app.selectors import open_orders

CHART_DAYS = 30


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


def _chart_branches(request):
    """The branches the caller may see (the one access function, docs/api.md §36), narrowed to the
    dashboard's ``?branch=`` filter when it names one of them; None for every branch."""
    role = Role.ADMIN if request.user.is_staff else directory.role_of(request.user.pk)
    access = branch_access(user_id=request.user.pk, role=role)
    allowed = None if access.every else access.branch_ids
    try:
        chosen = uuid.UUID(request.GET.get("branch", ""))
    except ValueError:
        return allowed
    return frozenset([chosen]) if access.allows(chosen) else allowed


def orders_charts(request) -> dict:
    """Orders placed per day by status and revenue per day over the last 30 days (UTC): two
    charts, one aggregate query each."""
    now = timezone.now()
    first = now.date() - timedelta(days=CHART_DAYS - 1)
    since = datetime.combine(first, time.min, tzinfo=UTC)
    days = [first + timedelta(days=n) for n in range(CHART_DAYS)]
    labels = [day.isoformat() for day in days]
    branch_ids = _chart_branches(request)
    counts = selectors.orders_per_day(since=since, now=now, branch_ids=branch_ids)
    revenue = selectors.revenue_per_day(since=since, branch_ids=branch_ids)
    statuses = list(OrderStatus.values)
    placed = sum(counts.values())
    taken = sum(revenue.values(), Decimal("0.00"))
    by_status = ", ".join(
        f"{sum(n for (_, s), n in counts.items() if s == status)} {status.lower()}"
        for status in statuses
        if any(s == status for _, s in counts)
    )
    orders = Chart(
        id="orders-per-day",
        title=f"Orders per day (last {CHART_DAYS} days)",
        kind="bar",
        stacked=True,
        labels=labels,
        series=[Series(status, [counts.get((day, status), 0) for day in days]) for status in statuses],
        summary=f"{placed} orders placed in {CHART_DAYS} days" + (f": {by_status} now." if placed else "."),
        label_header="Day (UTC)",
        value_label="Orders",
    )
    money = Chart(
        id="revenue-per-day",
        title=f"Revenue per day ({settings.CURRENCY}, last {CHART_DAYS} days)",
        kind="bar",
        labels=labels,
        series=[Series("Revenue", [revenue.get(day, Decimal("0.00")) for day in days])],
        summary=f"{taken:.2f} {settings.CURRENCY} taken at the counter for orders fulfilled in {CHART_DAYS} days.",
        label_header="Day (UTC)",
        value_label=settings.CURRENCY,
    )
    return chart_panel(orders, money)


PANELS = (
    DashboardPanel("orders_charts", "Orders and revenue", CHART_PANEL_TEMPLATE, orders_charts, order=6),
    DashboardPanel(
        "open_orders",
        "Open orders per branch",
        "admin/order_app/panels/open_orders.html",
        open_orders_by_branch,
        order=25,
    ),
)
