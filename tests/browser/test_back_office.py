"""The back office driven in Chromium: changelists, search, recording movements, CSV export."""

import csv
import io

import pytest
from django.core.management import call_command

from inventory_app.models import StockLevel
from tests.browser.conftest import SCREENSHOTS

CHANGELISTS = [
    "auth_app/user",
    "auth_app/role",
    "auth_app/refreshtoken",
    "inventory_app/branch",
    "inventory_app/category",
    "inventory_app/inventoryitem",
    "inventory_app/stocklevel",
    "inventory_app/stockmovement",
    "inventory_app/stockreservation",
    "inventory_app/stocktransfer",
    "inventory_app/stockalert",
    "natjoub/idempotencykey",
    "natjoub/outboxmail",
]


@pytest.fixture
def seeded(transactional_db):
    call_command("seed_demo", verbosity=0)


def laptop_at_main() -> StockLevel:
    return StockLevel.objects.get(inventory_item__sku="ELEC-LAP-001", branch__code="WH-MAIN")


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_every_changelist_opens(signed_in, seeded, changelist):
    response = signed_in.goto(f"/admin/{changelist}/")
    assert response.status == 200
    assert signed_in.locator("#changelist").is_visible()


def test_search_item_by_sku(signed_in, seeded):
    signed_in.goto("/admin/inventory_app/inventoryitem/?q=ELEC-LAP-001")
    rows = signed_in.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Dell Latitude 5420 Laptop" in rows.first.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    signed_in.goto("/admin/inventory_app/inventoryitem/")
    signed_in.screenshot(path=str(SCREENSHOTS / "items.png"), full_page=True)


def record(page, movement_type: str, quantity: int) -> None:
    page.goto("/admin/inventory_app/stockmovement/")
    page.click("text=Record movement")
    page.select_option("select[name=inventory_item]", label="ELEC-LAP-001 — Dell Latitude 5420 Laptop")
    page.select_option("select[name=movement_type]", movement_type)
    page.fill("input[name=quantity]", str(quantity))
    page.select_option("select[name=from_branch]", label="WH-MAIN — Main Warehouse")
    page.click("input[type=submit]")


def test_record_out_movement_changes_stock(signed_in, seeded):
    before = laptop_at_main().quantity
    record(signed_in, "OUT", 7)
    signed_in.wait_for_url("**/admin/inventory_app/stockmovement/")
    assert "Recorded OUT of 7" in signed_in.locator(".messagelist").inner_text()
    assert laptop_at_main().quantity == before - 7
    signed_in.goto("/admin/inventory_app/stocklevel/?q=ELEC-LAP-001")
    assert str(before - 7) in signed_in.locator("#result_list").inner_text()


def test_movement_beyond_available_stock_is_a_form_error(signed_in, seeded):
    before = laptop_at_main().quantity
    record(signed_in, "OUT", before + 1)
    assert (
        f"Insufficient stock: available {before}, requested {before + 1}"
        in signed_in.locator(".errornote").inner_text()
    )
    assert laptop_at_main().quantity == before


def test_export_movements_as_csv(signed_in, seeded):
    signed_in.goto("/admin/inventory_app/stockmovement/")
    signed_in.check("#action-toggle")
    signed_in.select_option("select[name=action]", "export_as_csv")
    with signed_in.expect_download() as download_info:
        signed_in.click("button[name=index]")
    content = download_info.value.path().read_text()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][:3] == ["created_at", "movement_type", "inventory_item"]
    assert len(rows) - 1 == 13  # the 13 opening balances of the demo data
    assert {row[1] for row in rows[1:]} == {"IN"}


def test_export_csv_link_exports_the_filtered_movements(signed_in, seeded):
    record(signed_in, "OUT", 2)
    signed_in.wait_for_url("**/admin/inventory_app/stockmovement/")
    signed_in.goto("/admin/inventory_app/stockmovement/?movement_type__exact=OUT")
    assert signed_in.locator("#result_list tbody tr").count() == 1
    with signed_in.expect_download() as download_info:
        signed_in.click("text=Export CSV")
    rows = list(csv.reader(io.StringIO(download_info.value.path().read_text())))
    assert rows[0][:4] == ["created_at", "movement_type", "inventory_item", "quantity"]
    assert [row[1:4] for row in rows[1:]] == [["OUT", "ELEC-LAP-001 — Dell Latitude 5420 Laptop", "2"]]
