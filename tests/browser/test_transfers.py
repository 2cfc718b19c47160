"""Transfers in the back office, driven in Chromium (docs/api.md §27, §29a): dispatch a transfer,
receive it with one short line, and see the stock rows and the stock alert change."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from inventory_app.models import StockAlert, StockLevel, StockTransfer
from tests.browser.conftest import SCREENSHOTS


@pytest.fixture
def seeded(transactional_db):
    call_command("seed_demo", verbosity=0)


def quantity(sku: str, code: str) -> int | None:
    row = StockLevel.objects.filter(inventory_item__sku=sku, branch__code=code).first()
    return None if row is None else row.quantity


def open_alerts(sku: str, code: str) -> int:
    return StockAlert.objects.filter(inventory_item__sku=sku, branch__code=code, status="OPEN").count()


def test_dispatch_then_receive_with_a_short_line(signed_in, seeded):
    page = signed_in
    # Dispatch: 15 keyboards (20 at BR-NORTH, reorder level 15: 3 left is low) and 4 laptops to Siem Reap
    page.goto("/admin/inventory_app/stocktransfer/")
    page.click("text=Dispatch transfer")
    page.select_option("select[name=from_branch]", label="BR-NORTH — North Branch")
    page.select_option("select[name=to_branch]", label="BR-SR — Siem Reap Branch")
    page.fill("input[name=reference_number]", "BROWSER-1")
    page.select_option("select[name='lines-0-inventory_item']", label="ELEC-KEY-001 — Logitech Wireless Keyboard")
    page.fill("input[name='lines-0-quantity']", "15")
    page.select_option("select[name='lines-1-inventory_item']", label="ELEC-LAP-001 — Dell Latitude 5420 Laptop")
    page.fill("input[name='lines-1-quantity']", "4")
    page.click("input[type=submit]")
    page.wait_for_url("**/stocktransfer/*/change/")
    assert "Transfer dispatched" in page.locator(".messagelist").inner_text()
    transfer = StockTransfer.objects.get(reference_number="BROWSER-1")
    assert (transfer.status, quantity("ELEC-KEY-001", "BR-NORTH"), quantity("ELEC-LAP-001", "BR-NORTH")) == (
        "IN_TRANSIT", 5, 6,
    )  # fmt: skip
    assert open_alerts("ELEC-KEY-001", "BR-NORTH") == 1  # 5 - 2 reserved = 3 available <= 15

    # The alert is listed in the back office
    page.goto("/admin/inventory_app/stockalert/?status__exact=OPEN")
    assert "ELEC-KEY-001" in page.locator("#result_list").inner_text()

    # Receive: the laptops arrive one short
    page.goto(f"/admin/inventory_app/stocktransfer/{transfer.pk}/change/")
    page.click("text=Receive…")
    laptops = page.locator("label", has_text="ELEC-LAP-001").get_attribute("for")
    page.fill(f"#{laptops}", "3")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "receive_transfer.png"), full_page=True)
    page.click("input[type=submit]")
    page.wait_for_url(f"**/stocktransfer/{transfer.pk}/change/")
    assert "Transfer received (1 unit(s) short)." in page.locator(".messagelist").inner_text()
    transfer.refresh_from_db()
    assert transfer.status == "RECEIVED"
    assert (quantity("ELEC-KEY-001", "BR-SR"), quantity("ELEC-LAP-001", "BR-SR")) == (15, 3)
    assert open_alerts("ELEC-LAP-001", "BR-SR") == 1  # 3 laptops at Siem Reap: at or below level 5
    lines = page.locator(".inline-group").inner_text()
    assert "ELEC-LAP-001" in lines

    # The stock pages show the new rows
    page.goto("/admin/inventory_app/stocklevel/?q=BR-SR")
    rows = page.locator("#result_list").inner_text()
    assert "Logitech Wireless Keyboard" in rows and "Dell Latitude 5420 Laptop" in rows  # noqa: PT018
    call_command("reconcile_stock")
