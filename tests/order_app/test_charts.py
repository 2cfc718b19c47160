"""The orders' charts on the back-office dashboard (issue 22): orders per day by status and
revenue per day, contributed by the order app through the dashboard registry, one query each."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auth_app.models import RoleName
from order_app import dashboard
from tests.factories import make_branch, make_item, make_user, stock
from tests.order_app.conftest import act, placed

pytestmark = pytest.mark.django_db


def _chart(html: str, chart_id: str) -> dict:
    found = re.search(rf'<script id="chart-{chart_id}-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, chart_id
    return json.loads(found.group(1))


def _today(config: dict, series: str):
    values = next(s["values"] for s in config["series"] if s["label"] == series)
    return values[config["labels"].index(timezone.now().date().isoformat())]


def test_orders_and_revenue_per_day_on_the_dashboard(shop, customer, admin_client):
    kept = placed(customer, shop.branch, (shop.laptop, 1))
    handed_over = placed(customer, shop.branch, (shop.mouse, 2), (shop.cable, 3))
    for step in ("confirm", "ready"):
        act(admin_client, handed_over, step)
    act(admin_client, handed_over, "fulfil", {"pickupCode": handed_over["pickupCode"], "lines": []})
    assert kept["status"] == "PLACED"
    staff = Client()
    staff.force_login(make_user(RoleName.ADMIN))
    html = staff.get("/admin/").content.decode()
    orders, revenue = _chart(html, "orders-per-day"), _chart(html, "revenue-per-day")
    assert len(orders["labels"]) == len(revenue["labels"]) == dashboard.CHART_DAYS
    assert (_today(orders, "PLACED"), _today(orders, "FULFILLED"), _today(orders, "CANCELLED")) == (1, 1, 0)
    assert _today(revenue, "Revenue") == pytest.approx(2 * 19.50 + 3 * 3.33)
    assert "2 orders placed in 30 days: 1 placed, 1 fulfilled now." in html


def test_the_branch_filter_and_one_query_per_chart(shop, customer):
    other = make_branch("ST-2", "Second Store")
    item = make_item("OTH-1", "Other")
    stock(item, other, 5)
    placed(customer, shop.branch, (shop.laptop, 1))
    placed(customer, other, (item, 1))
    admin = make_user(RoleName.ADMIN)

    def figures(**params):
        request = RequestFactory().get("/admin/", params)
        request.user = admin
        with CaptureQueriesContext(connection) as queries:
            panel = dashboard.orders_charts(request)
        orders = panel["charts"][0]
        return sum(sum(s.values) for s in orders.series), len(queries.captured_queries)

    assert figures() == (2, 2)
    assert figures(branch=str(other.pk)) == (1, 2)
    assert figures(branch="not-a-branch") == (2, 2)  # an unknown filter shows every branch
