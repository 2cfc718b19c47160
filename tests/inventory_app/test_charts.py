"""The back office's charts (issue 22; docs/architecture.md, "Charts in the back office"): their
figures (one query each, restricted to the branches asked for), the dashboard's branch filter,
the item page's charts, and pages without inline script (the back office runs under
``script-src 'self'``)."""

from __future__ import annotations

import json
import random
import re
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auth_app.models import RoleName
from inventory_app import charts, dashboard
from inventory_app.models import MovementDayCount, MovementType, StockLevel, StockMovement
from inventory_app.selectors import charts as figures
from inventory_app.services.stock import movement_create
from natjoub.admin.charts import Chart, Series, per_request
from tests.factories import make_branch, make_item, make_user, stock

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)


@pytest.fixture
def staff(db) -> Client:
    client = Client()
    client.force_login(make_user(RoleName.ADMIN))
    return client


def movement(item, kind, *, at, src=None, dst=None, quantity=1) -> StockMovement:
    return StockMovement(
        inventory_item=item, movement_type=kind, from_branch=src, to_branch=dst, quantity=quantity, created_at=at
    )


def ledger(item, a, b) -> None:
    """Movements on three days of the window (and one before it) at branches a and b."""
    day = NOW.replace(hour=9)
    StockMovement.objects.bulk_create(
        [
            movement(item, MovementType.IN, at=day, dst=a),
            movement(item, MovementType.IN, at=day, dst=a),
            movement(item, MovementType.OUT, at=day, src=b),
            movement(item, MovementType.TRANSFER, at=day - timedelta(days=1), src=a, dst=b),
            movement(item, MovementType.TRANSFER_OUT, at=day - timedelta(days=1), src=b),
            movement(item, MovementType.TRANSFER_IN, at=day - timedelta(days=1), dst=a),
            movement(item, MovementType.RETURN, at=day - timedelta(days=29), dst=b),
            movement(item, MovementType.ADJUSTMENT, at=day - timedelta(days=30), src=a),  # outside
        ]
    )


def one_query(call):
    with CaptureQueriesContext(connection) as queries:
        result = call()
    assert len(queries.captured_queries) == 1, [q["sql"] for q in queries.captured_queries]
    return result


# -- figures ----------------------------------------------------------------------------------
def test_movements_per_day_by_stack_and_branch(item, branch, other_branch):
    ledger(item, branch, other_branch)
    since = charts.movement_days(NOW.date())[0]
    today, yesterday, first = NOW.date(), NOW.date() - timedelta(days=1), NOW.date() - timedelta(days=29)

    every = one_query(lambda: figures.movements_per_day(since=since, branch_ids=None))
    assert every == {(today, "IN"): 2, (today, "OUT"): 1, (yesterday, "Transfers"): 3, (first, "RETURN"): 1}

    at_a = one_query(lambda: figures.movements_per_day(since=since, branch_ids=[branch.pk]))
    assert at_a == {(today, "IN"): 2, (yesterday, "Transfers"): 2}  # the TRANSFER leaves a, the TRANSFER_IN enters
    at_b = one_query(lambda: figures.movements_per_day(since=since, branch_ids=[other_branch.pk]))
    assert at_b == {(today, "OUT"): 1, (yesterday, "Transfers"): 2, (first, "RETURN"): 1}
    assert figures.movements_per_day(since=since, branch_ids=[uuid.uuid4()]) == {}


def day_count_drift() -> dict:
    """Every (day, type, FROM, TO) whose kept count (migration 0010) is not the ledger's."""
    keys = ("movement_type", "from_branch_id", "to_branch_id")
    kept = Counter()
    for day, kind, src, dst, n in MovementDayCount.objects.values_list("day", *keys, "n"):
        kept[(day, kind, src, dst)] += n
    rows = Counter(
        (created.astimezone(UTC).date(), kind, src, dst)
        for created, kind, src, dst in StockMovement.objects.values_list("created_at", *keys)
    )
    return {key: (kept[key], rows[key]) for key in kept.keys() | rows.keys() if kept[key] != rows[key]}


def test_day_counts_follow_the_ledger(item, branch, other_branch):
    """Whatever writes or deletes movements: bulk inserts, the services, deletes, TRUNCATE."""
    ledger(item, branch, other_branch)
    stock(item, branch, 10)
    admin = make_user(RoleName.ADMIN)
    movement_create(inventory_item_id=item.pk, movement_type="TRANSFER", quantity=2, performed_by=admin.pk,
                    from_branch_id=branch.pk, to_branch_id=other_branch.pk)  # fmt: skip
    assert MovementDayCount.objects.exists()
    assert day_count_drift() == {}
    StockMovement.objects.filter(movement_type=MovementType.IN, created_at__lt=NOW).delete()
    assert day_count_drift() == {}


def test_movements_chart_has_thirty_days_and_five_stacks(item, branch, other_branch):
    ledger(item, branch, other_branch)
    chart = charts.movements_chart(branch_ids=None, scope="every branch", now=NOW)
    assert len(chart.labels) == 30
    assert chart.labels[-1] == "2026-12-06"
    assert chart.labels[0] == "2026-11-07"
    assert [s.label for s in chart.series] == ["IN", "OUT", "ADJUSTMENT", "RETURN", "Transfers"]
    assert sum(sum(s.values) for s in chart.series) == 7
    assert chart.stacked
    assert "7 movements in the last 30 days at every branch" in chart.summary
    assert "busiest day 2026-12-06 with 3" in chart.summary


def test_stock_value_by_branch_splits_available_and_reserved(branch, other_branch):
    laptop = make_item("LAP", unit_price=Decimal("100.50"))
    pen = make_item("PEN", unit_price=Decimal("2.00"))
    stock(laptop, branch, 10, reserved=4)
    stock(pen, branch, 100)
    stock(pen, other_branch, 5, reserved=5)
    rows = one_query(lambda: figures.stock_value_by_branch(branch_ids=None))
    assert [(r.code, r.available, r.reserved) for r in rows] == [
        ("ST", Decimal("0.00"), Decimal("10.00")),
        ("WH", Decimal("603.00") + Decimal("200.00"), Decimal("402.00")),
    ]
    only = one_query(lambda: figures.stock_value_by_branch(branch_ids=[other_branch.pk]))
    assert [r.code for r in only] == ["ST"]
    chart = charts.stock_value_chart(branch_ids=None, scope="every branch")
    assert chart.config()["series"][0]["values"] == [0.0, 803.0]  # JSON numbers, not strings


def test_nearest_reorder_is_the_ten_lowest_margins(branch, other_branch):
    """Against the definition computed in Python over every stock row, with inactive items and
    branches (never shown) and levels spread so that the index bound matters."""
    rng = random.Random(22)
    closed = make_branch("CL", is_active=False)
    rows = []
    for i in range(60):
        item = make_item(f"SKU-{i:02}", reorder_level=rng.choice([0, 5, 10, 50, 200]), is_active=i % 13 != 0)
        for where in (branch, other_branch, closed):
            if rng.random() < 0.7:
                quantity = rng.randrange(0, 300)
                rows.append(
                    StockLevel(inventory_item=item, branch=where, quantity=quantity, reserved_quantity=quantity // 3)
                )
    StockLevel.objects.bulk_create(rows)

    def expected(branch_ids):
        candidates = [
            r
            for r in StockLevel.objects.select_related("inventory_item", "branch")
            if r.inventory_item.is_active and r.branch.is_active and (branch_ids is None or r.branch_id in branch_ids)
        ]
        key = lambda r: (r.available_quantity - r.inventory_item.reorder_level, r.available_quantity,  # noqa: E731
                         r.inventory_item.sku, r.branch.code)  # fmt: skip
        return [(r.inventory_item.sku, r.branch.code) for r in sorted(candidates, key=key)[:10]]

    for branch_ids in (None, [branch.pk], [other_branch.pk, closed.pk]):
        found = one_query(lambda ids=branch_ids: figures.nearest_reorder(branch_ids=ids))
        assert [(r.sku, r.branch_code) for r in found] == expected(branch_ids)
    chart = charts.reorder_chart(branch_ids=None, scope="every branch")
    assert len(chart.labels) == 10
    assert chart.config()["series"][1] == {
        "label": "Reorder level",
        "style": "marker",
        "values": [r.reorder_level for r in figures.nearest_reorder(branch_ids=None)],
    }


def test_item_balance_follows_the_ledger_per_branch(item, branch, other_branch):
    stock(item, branch, 10)
    admin = make_user(RoleName.ADMIN)
    movement_create(inventory_item_id=item.pk, movement_type="OUT", quantity=3, performed_by=admin.pk,
                    from_branch_id=branch.pk)  # fmt: skip
    movement_create(inventory_item_id=item.pk, movement_type="TRANSFER", quantity=2, performed_by=admin.pk,
                    from_branch_id=branch.pk, to_branch_id=other_branch.pk)  # fmt: skip
    chart = one_query(lambda: charts.item_balance_chart(item.pk))
    assert [s.label for s in chart.series] == ["WH", "ST"]
    assert [list(s.values) for s in chart.series] == [[10, 7, 5], [None, None, 2]]
    assert [label.split()[-1] for label in chart.labels] == ["IN", "OUT", "TRANSFER"]
    assert chart.summary.endswith("now WH 5, ST 2.")
    stock_chart = one_query(lambda: charts.item_stock_chart(item.pk))
    assert stock_chart.labels == ["ST", "WH"]
    assert list(stock_chart.series[0].values) == [2, 5]


def test_balance_chart_keeps_the_last_movements_only(item, branch):
    stock(item, branch, 1)
    StockMovement.objects.bulk_create(
        [movement(item, MovementType.IN, at=timezone.now() + timedelta(seconds=i), dst=branch) for i in range(1, 6)]
    )
    chart = charts.item_balance_chart(item.pk, limit=4)
    assert len(chart.labels) == 4


def test_a_series_must_have_a_value_per_label():
    with pytest.raises(ValueError, match="has 1 values for 2 labels"):
        Chart(id="x", title="X", kind="bar", labels=["a", "b"], series=[Series("s", [1])], summary="")


def test_per_request_computes_once_per_request():
    calls = []
    first, second = RequestFactory().get("/"), RequestFactory().get("/")
    assert per_request(first, "k", lambda: calls.append(1) or 1) == 1
    assert per_request(first, "k", lambda: calls.append(2) or 2) == 1
    assert per_request(second, "k", lambda: calls.append(3) or 3) == 3
    assert calls == [1, 3]


# -- the dashboard ----------------------------------------------------------------------------
def chart_data(html: str, chart_id: str) -> dict:
    block = re.search(rf'<script id="chart-{chart_id}-data" type="application/json">(.*?)</script>', html, re.S)
    assert block is not None, chart_id
    return json.loads(block[1])


def test_dashboard_shows_the_three_charts_with_tables_and_summaries(staff, item, branch, other_branch):
    stock(item, branch, 4)
    html = staff.get("/admin/").content.decode()
    for chart_id in ("movements-per-day", "stock-value", "nearest-reorder"):
        assert f'<figure class="nj-chart" id="chart-{chart_id}" data-chart="chart-{chart_id}-data">' in html
    charts = html.count('<figure class="nj-chart"')  # the order app's charts are on the dashboard too
    assert charts >= 3
    assert html.count('<details class="nj-chart-data">') == html.count('<p class="nj-chart-summary">') == charts
    movements = chart_data(html, "movements-per-day")
    assert len(movements["labels"]) == 30
    assert movements["stacked"]
    assert sum(sum(s["values"]) for s in movements["series"]) == 1  # the opening IN
    assert chart_data(html, "stock-value")["labels"] == ["WH"]
    assert '<option value="" selected>Every branch</option>' in html


def test_branch_filter_restricts_every_chart(staff, item, branch, other_branch):
    stock(item, branch, 4)
    stock(item, other_branch, 8)
    html = staff.get("/admin/", {"branch": str(other_branch.pk)}).content.decode()
    assert chart_data(html, "stock-value")["labels"] == ["ST"]
    assert chart_data(html, "nearest-reorder")["labels"] == ["LAP-1 @ ST"]
    assert sum(sum(s["values"]) for s in chart_data(html, "movements-per-day")["series"]) == 1
    assert f'<option value="{other_branch.pk}" selected>' in html
    assert "Movements per day, last 30 days (ST)" in html


@pytest.mark.parametrize("value", ["not-a-uuid", str(uuid.uuid4())])
def test_unknown_branch_filter_shows_every_branch_and_says_so(staff, item, branch, other_branch, value):
    stock(item, branch, 4)
    stock(item, other_branch, 8)
    response = staff.get("/admin/", {"branch": value})
    html = response.content.decode()
    assert response.status_code == 200
    assert chart_data(html, "stock-value")["labels"] == ["ST", "WH"]
    assert f"No branch {value} you may see: showing every branch." in html


def test_chart_figures_come_from_the_access_function(staff, item, branch, other_branch, monkeypatch):
    """Restricted to what ``chart_branches`` allows (a seller's branches once sellers get a
    view): the other branch is neither offered nor counted, even when asked for."""
    stock(item, branch, 4)
    stock(item, other_branch, 8)
    monkeypatch.setattr(dashboard, "chart_branches", lambda request: frozenset({branch.pk}))
    html = staff.get("/admin/", {"branch": str(other_branch.pk)}).content.decode()
    assert chart_data(html, "stock-value")["labels"] == ["WH"]
    assert chart_data(html, "nearest-reorder")["labels"] == ["LAP-1 @ WH"]
    assert str(other_branch.pk) not in html.split('id="chart-branch"')[1].split("</select>")[0]
    assert "showing your branches" in html


def test_chart_panel_runs_one_query_per_chart(item, branch, other_branch):
    ledger(item, branch, other_branch)
    admin_user = make_user(RoleName.ADMIN)
    for params in ({}, {"branch": str(branch.pk)}):
        request = RequestFactory().get("/admin/", params)
        request.user = admin_user
        with CaptureQueriesContext(connection) as queries:
            dashboard.stock_charts(request)
            dashboard.stock_charts(request)  # computed once per request
            dashboard.branch_choice(request)
        assert len(queries.captured_queries) == 4, [q["sql"] for q in queries.captured_queries]  # branches + 3


def test_pages_with_charts_have_no_inline_script(staff, item, branch):
    stock(item, branch, 4)
    for url in ("/admin/", f"/admin/inventory_app/inventoryitem/{item.pk}/change/"):
        html = staff.get(url).content.decode()
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        assert scripts
        for attributes, body in scripts:
            assert 'type="application/json"' in attributes or ("src=" in attributes and not body.strip()), attributes
        assert "/static/natjoub/vendor/chartjs/chart.umd.min.js" in html
        assert " onclick=" not in html
        assert " onload=" not in html


def test_item_page_shows_stock_and_balance_charts(staff, item, branch, other_branch):
    stock(item, branch, 4)
    stock(item, other_branch, 6, reserved=1)
    html = staff.get(f"/admin/inventory_app/inventoryitem/{item.pk}/change/").content.decode()
    assert chart_data(html, "item-stock")["labels"] == ["ST", "WH"]
    assert [s["values"] for s in chart_data(html, "item-balance")["series"]] == [[4, 4], [None, 6]]
    add = staff.get("/admin/inventory_app/inventoryitem/add/").content.decode()
    assert "chart-item-stock" not in add
