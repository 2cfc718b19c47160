"""Orders in the back office, driven in Chromium (docs/api.md §37.12): an admin confirms, marks
ready and fulfils a customer's order with the pickup code the customer shows; a wrong code is a
form error that changes nothing. The order is placed through the API as the customer, and the
code is read from the customer's own OrderResponse (staff pages never show it)."""

from __future__ import annotations

import pytest

from inventory_app.models import StockMovement
from order_app.models import Order
from tests.browser.conftest import SCREENSHOTS
from tests.order_app.conftest import Shop, customer_client, invariants, placed


@pytest.fixture
def shop(transactional_db) -> Shop:
    return Shop()


def status_of(order: dict) -> str:
    return Order.objects.get(pk=order["id"]).status


def line_field(page, sku: str):
    return page.locator(f"#{page.locator('label', has_text=sku).get_attribute('for')}")


def test_confirm_ready_and_fulfil_with_the_pickup_code(signed_in, shop):
    page = signed_in
    customer = customer_client(first_name="Cora", last_name="Customer", email="cora@example.com")
    order = placed(customer, shop.branch, (shop.mouse, 3), (shop.cable, 1))
    change = f"/admin/order_app/order/{order['id']}/change/"

    # The Orders page lists it; its detail page never shows the pickup code
    page.goto("/admin/order_app/order/")
    assert order["number"] in page.locator("#result_list").inner_text()
    page.goto(change)
    assert order["pickupCode"] not in page.content()

    page.click("button.confirm-link")
    page.wait_for_url(f"**{change}")
    assert f"{order['number']}: confirmed." in page.locator(".messagelist").inner_text()
    assert status_of(order) == "CONFIRMED"

    page.click("button.ready-link")
    page.wait_for_url(f"**{change}")
    assert "ready for pickup" in page.locator(".messagelist").inner_text()
    assert status_of(order) == "READY"
    assert order["pickupCode"] not in page.content()

    # A wrong pickup code: the form says so and the order, stock and ledger stay as they were
    page.click("a.fulfil-link")
    page.wait_for_url("**/fulfil/")
    reserved = (shop.row(shop.mouse).reserved_quantity, shop.row(shop.cable).reserved_quantity)
    wrong = "000000" if order["pickupCode"] != "000000" else "111111"
    page.fill("input[name=pickup_code]", wrong)
    page.click("input[type=submit]")
    errors = page.locator("#fulfil-order-form .errorlist")
    assert errors.count() == 1  # shown once (as_table already renders the non-field errors)
    assert "Pickup code does not match" in errors.inner_text()
    assert status_of(order) == "READY"
    assert (shop.row(shop.mouse).reserved_quantity, shop.row(shop.cable).reserved_quantity) == reserved
    assert not StockMovement.objects.filter(reference_number=order["number"]).exists()

    # The right code: 2 of the 3 mice collected, no cable (the rest is released)
    page.fill("input[name=pickup_code]", order["pickupCode"])
    line_field(page, "MOU-1").fill("2")
    line_field(page, "CAB-1").fill("0")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "fulfil_order.png"), full_page=True)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{change}")
    assert f"{order['number']}: fulfilled." in page.locator(".messagelist").inner_text()
    stored = Order.objects.get(pk=order["id"])
    assert (stored.status, str(stored.total)) == ("FULFILLED", "39.00")
    assert StockMovement.objects.get(reference_number=order["number"]).quantity == 2
    assert (shop.row(shop.mouse).quantity, shop.row(shop.mouse).reserved_quantity) == (8, 0)
    assert (shop.row(shop.cable).quantity, shop.row(shop.cable).reserved_quantity) == (10, 0)
    assert invariants() == []
