"""The Orders page of the back office (docs/api.md §37.12): filters, search, lines and history,
and confirm / ready / fulfil (with the pickup code) / cancel (with a reason) through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from auth_app.models import RoleName
from inventory_app.models import StockMovement
from order_app.models import Order
from tests.factories import make_user
from tests.order_app.conftest import customer_client, invariants, placed

PAGE = "/admin/order_app/order/"


@pytest.fixture
def back_office(db):
    client = Client()
    client.force_login(make_user(RoleName.ADMIN))
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def listed(response) -> list[str]:
    return [order.number for order in response.context["cl"].result_list]


def test_changelist_filters_and_search(shop, customer, back_office):
    a = placed(customer, shop.branch, (shop.mouse, 1))
    b = placed(customer_client(email="zed@example.com"), shop.branch, (shop.cable, 1))
    Order.objects.filter(pk=a["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert sorted(listed(back_office.get(PAGE))) == sorted([a["number"], b["number"]])
    assert listed(back_office.get(PAGE, {"status": "EXPIRED"})) == [a["number"]]
    assert listed(back_office.get(PAGE, {"open": "yes"})) == [b["number"]]
    assert len(listed(back_office.get(PAGE, {"branch_id": str(shop.branch.pk)}))) == 2
    assert listed(back_office.get(PAGE, {"q": "zed@example"})) == [b["number"]]
    assert listed(back_office.get(PAGE, {"q": b["number"].lower()})) == [b["number"]]


def test_detail_shows_lines_and_history_but_not_the_pickup_code(shop, customer, back_office):
    order = placed(customer, shop.branch, (shop.mouse, 2), (shop.laptop, 1))
    page = back_office.get(f"{PAGE}{order['id']}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("MOU-1", "LAP-1", "PLACED", "Confirm", "Cancel order"):
        assert text in html
    assert order["pickupCode"] not in html


def test_the_whole_flow_through_the_back_office(shop, customer, back_office):
    order = placed(customer, shop.branch, (shop.mouse, 3), (shop.cable, 1))
    url = f"{PAGE}{order['id']}"
    back_office.post(f"{url}/confirm/")
    response = back_office.post(f"{url}/ready/", follow=True)
    assert any("ready for pickup" in m for m in messages_of(response))
    assert Order.objects.get(pk=order["id"]).status == "READY"
    wrong = back_office.post(f"{url}/fulfil/", {"pickup_code": "x", str(shop.mouse.pk): 3, str(shop.cable.pk): 1})
    assert "Pickup code does not match" in wrong.content.decode()
    form = {"pickup_code": order["pickupCode"], str(shop.mouse.pk): 2, str(shop.cable.pk): 0}
    assert back_office.post(f"{url}/fulfil/", form).status_code == 302
    stored = Order.objects.get(pk=order["id"])
    assert (stored.status, str(stored.total)) == ("FULFILLED", "39.00")
    assert StockMovement.objects.get(reference_number=order["number"]).quantity == 2
    assert invariants() == []


def test_cancel_with_a_reason_and_the_changelist_actions(shop, customer, back_office):
    first = placed(customer, shop.branch, (shop.mouse, 1))
    second = placed(customer, shop.branch, (shop.cable, 1))
    response = back_office.post(PAGE, {"action": "confirm_selected", "_selected_action": [first["id"], second["id"]]})
    assert response.status_code == 302
    assert set(Order.objects.values_list("status", flat=True)) == {"CONFIRMED"}
    back_office.post(PAGE, {"action": "ready_selected", "_selected_action": [first["id"]]})
    assert Order.objects.get(pk=first["id"]).status == "READY"
    assert back_office.post(f"{PAGE}{second['id']}/cancel/", {"reason": "OUT_OF_STOCK"}).status_code == 302
    stored = Order.objects.get(pk=second["id"])
    assert (stored.status, stored.cancel_reason) == ("CANCELLED", "OUT_OF_STOCK")
    again = back_office.post(f"{PAGE}{second['id']}/cancel/", {"reason": "STAFF"})
    assert "Order cannot be cancelled (status: CANCELLED)" in again.content.decode()
    assert invariants() == []
