"""The back office's charts in Chromium (issue 22): each chart draws as many points as its data
table has rows, the branch filter changes them, the item page has its two charts, the theme
toggle redraws them in the dark theme's colours, and the dashboard runs under a
Content-Security-Policy without 'unsafe-inline' (no violation, no script error)."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from inventory_app.models import Branch, InventoryItem, MovementType, StockMovement
from tests.browser.conftest import SCREENSHOTS

CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"
CHARTS = ("movements-per-day", "stock-value", "nearest-reorder")
ORDER_CHARTS = ("orders-per-day", "revenue-per-day")  # the order app's panel (order_app/dashboard.py)
DASHBOARD_CHARTS = CHARTS + ORDER_CHARTS
KINDS = [MovementType.IN, MovementType.OUT, MovementType.ADJUSTMENT, MovementType.RETURN, MovementType.TRANSFER]


@pytest.fixture
def seeded(transactional_db):
    """The demo data and movements on each of the 29 days before today: ``day % 5 + 1`` of one
    type, at WH-MAIN on even days and ST-DT on odd days (transfers to the other one)."""
    call_command("seed_demo", verbosity=0)
    main, downtown = Branch.objects.get(code="WH-MAIN"), Branch.objects.get(code="ST-DT")
    item = InventoryItem.objects.get(sku="OFFC-PEN-001")
    now = timezone.now()
    rows = []
    for day in range(1, 30):
        kind = KINDS[day % len(KINDS)]
        here, there = (main, downtown) if day % 2 == 0 else (downtown, main)
        leaves = kind in (MovementType.OUT, MovementType.ADJUSTMENT, MovementType.TRANSFER)
        enters = kind in (MovementType.IN, MovementType.RETURN)
        rows += [
            StockMovement(
                inventory_item=item,
                movement_type=kind,
                quantity=1,
                from_branch=here if leaves else None,
                to_branch=there if kind == MovementType.TRANSFER else here if enters else None,
                created_at=now - timedelta(days=day),
            )
            for _ in range(day % 5 + 1)
        ]
    StockMovement.objects.bulk_create(rows)


@pytest.fixture
def csp_page(signed_in):
    """Every back-office page served with a strict Content-Security-Policy header; violations and
    script errors are collected."""
    problems: list[str] = []
    signed_in.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    signed_in.on("pageerror", lambda e: problems.append(str(e)))

    def with_csp(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})

    signed_in.route("**/admin/**", with_csp)
    signed_in.problems = problems
    return signed_in


def drawn(page, chart_id: str) -> dict:
    """What Chart.js drew for a chart, and the rows of its data table."""
    return page.evaluate(
        """(id) => {
            const figure = document.getElementById("chart-" + id);
            const chart = Chart.getChart(figure.querySelector("canvas"));
            const rows = [...figure.querySelectorAll("details tbody tr")].map(
                (tr) => [...tr.children].map((cell) => cell.textContent.trim()));
            return {
                labels: chart.data.labels.length,
                points: chart.data.datasets.map((d, i) => chart.getDatasetMeta(i).data.length),
                rows: rows,
                tick: chart.options.scales.x.ticks.color,
            };
        }""",
        chart_id,
    )


def open_dashboard(page, query: str = ""):
    response = page.goto(f"/admin/{query}")
    page.wait_for_selector(f'html[data-charts-drawn="{len(DASHBOARD_CHARTS)}"]')
    return response


def total(chart: dict) -> int:
    return sum(int(cell) for row in chart["rows"] for cell in row[1:] if cell)


def test_dashboard_charts_draw_every_row_of_their_tables(csp_page, seeded):
    page = csp_page
    assert open_dashboard(page).headers["content-security-policy"] == CSP
    movements, value, reorder = (drawn(page, chart_id) for chart_id in CHARTS)
    assert len(movements["rows"]) == movements["labels"] == 30
    assert movements["points"] == [30] * 5  # IN, OUT, ADJUSTMENT, RETURN, Transfers
    expected = 13 + sum(day % 5 + 1 for day in range(1, 30))  # the opening INs and the fixture's
    assert total(movements) == expected
    assert [row[0] for row in value["rows"]] == ["BR-NORTH", "ST-DT", "WH-MAIN"]
    assert value["points"] == [3, 3]
    assert len(reorder["rows"]) == reorder["labels"] == 10
    assert reorder["points"] == [10, 10]  # the bars and the reorder-level marks
    orders, revenue = (drawn(page, chart_id) for chart_id in ORDER_CHARTS)
    assert len(orders["rows"]) == orders["labels"] == len(revenue["rows"]) == revenue["labels"] == 30
    assert orders["points"] == [30] * 6  # one series per order status
    assert revenue["points"] == [30]
    assert total(orders) == 0  # the demo data has no order
    assert page.locator(".nj-chart-summary").count() == len(DASHBOARD_CHARTS)
    assert page.problems == []  # no CSP violation, no script error
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#dashboard").screenshot(path=str(SCREENSHOTS / "dashboard_charts.png"))
    # The policy is enforced: an inline script is refused, and the refusal is reported.
    with contextlib.suppress(Exception):
        page.add_script_tag(content="window.inlineRan = true")
    assert page.evaluate("window.inlineRan") is None
    assert any("Content Security Policy" in problem for problem in page.problems)


def test_branch_filter_changes_the_charts(csp_page, seeded):
    page = csp_page
    open_dashboard(page)
    everywhere = drawn(page, "movements-per-day")
    downtown = Branch.objects.get(code="ST-DT")
    page.select_option("#chart-branch", value=str(downtown.pk))
    page.click("#chart-branch-filter input[type=submit]")
    page.wait_for_url("**/admin/?branch=*")
    page.wait_for_selector(f'html[data-charts-drawn="{len(DASHBOARD_CHARTS)}"]')
    movements, value = drawn(page, "movements-per-day"), drawn(page, "stock-value")
    assert movements["points"] == [30] * 5
    touching = StockMovement.objects.filter(Q(from_branch=downtown) | Q(to_branch=downtown))
    assert total(movements) == touching.count() == 4 + 45 + 15  # openings, odd days, transfers in
    assert total(movements) < total(everywhere)
    assert [row[0] for row in value["rows"]] == ["ST-DT"]
    assert all(row[0].endswith("@ ST-DT") for row in drawn(page, "nearest-reorder")["rows"])
    assert page.problems == []


def test_item_page_charts(csp_page, seeded):
    page = csp_page
    item = InventoryItem.objects.get(sku="ELEC-LAP-001")
    page.goto(f"/admin/inventory_app/inventoryitem/{item.pk}/change/")
    page.wait_for_selector('html[data-charts-drawn="2"]')
    stock, balance = drawn(page, "item-stock"), drawn(page, "item-balance")
    assert [row[0] for row in stock["rows"]] == ["BR-NORTH", "ST-DT", "WH-MAIN"]
    assert stock["points"] == [3, 3]
    assert len(balance["rows"]) == balance["labels"] == 3  # its three opening INs
    assert balance["points"] == [3, 3, 3]  # one line per branch
    assert page.problems == []
    page.locator("#item-charts").screenshot(path=str(SCREENSHOTS / "item_charts.png"))


def test_theme_toggle_redraws_in_the_dark_theme_colours(signed_in, seeded):
    page = signed_in
    page.emulate_media(color_scheme="light")
    open_dashboard(page)
    light = drawn(page, "stock-value")["tick"]
    while page.evaluate("document.documentElement.dataset.theme") != "dark":
        page.click("button.theme-toggle")
    dark = drawn(page, "stock-value")["tick"]
    body_fg = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--body-fg').trim()")
    assert dark == body_fg
    assert dark != light
    page.locator("#dashboard").screenshot(path=str(SCREENSHOTS / "dashboard_charts_dark.png"))
    page.click("button.theme-toggle")  # back to light for later tests of this browser session
    page.evaluate("localStorage.removeItem('theme')")


@pytest.mark.parametrize("deficiency", ["deuteranopia", "protanopia", "tritanopia"])
def test_colour_blind_screenshots(signed_in, seeded, deficiency):
    """Chromium's simulation of the deficiency, for a person to look at (docs/screenshots/)."""
    page = signed_in
    session = page.context.new_cdp_session(page)
    session.send("Emulation.setEmulatedVisionDeficiency", {"type": deficiency})
    open_dashboard(page)
    page.locator("#panel-stock_charts").screenshot(path=str(SCREENSHOTS / f"dashboard_charts_{deficiency}.png"))
    session.send("Emulation.setEmulatedVisionDeficiency", {"type": "none"})
