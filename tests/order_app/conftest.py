"""Order fixtures: a branch with three stocked items, and helpers that place and move orders
through the API (docs/api.md §37). ``invariants()`` checks the stock and order invariants
(docs/api.md §14.4, §37.8) the way ``reconcile_stock`` does, and returns the problems."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import F

from auth_app.models import RoleName
from inventory_app.models import StockLevel
from inventory_app.services import stock_reconcile
from inventory_app.services.holds import holder_violations
from tests.conftest import bearer_client
from tests.factories import make_branch, make_item, make_user, stock
from tests.helpers import assert_ok

ORDERS = "/api/v1/orders"


class Shop:
    def __init__(self):
        self.branch = make_branch("ST-DT", "Downtown Store")
        self.laptop = make_item("LAP-1", "Laptop", unit_price=Decimal("999.99"), reorder_level=0)
        self.mouse = make_item("MOU-1", "Mouse", unit_price=Decimal("19.50"), reorder_level=0)
        self.cable = make_item("CAB-1", "Cable", unit_price=Decimal("3.33"), reorder_level=0)
        for item in (self.laptop, self.mouse, self.cable):
            stock(item, self.branch, 10)

    def row(self, item) -> StockLevel:
        return StockLevel.objects.get(inventory_item=item, branch=self.branch)


@pytest.fixture
def shop(db) -> Shop:
    return Shop()


def customer_client(**fields):
    return bearer_client(make_user(RoleName.CUSTOMER, **fields))


@pytest.fixture
def customer(db):
    return customer_client(first_name="Cora", last_name="Customer", email="cora@example.com")


@pytest.fixture
def other_customer(db):
    return customer_client(first_name="Otto", last_name="Other", email="otto@example.com")


def lines_of(*pairs) -> list[dict]:
    return [{"inventoryItemId": str(item.pk), "quantity": quantity} for item, quantity in pairs]


def place(client, branch, *pairs, **extra):
    body = {"branchId": str(branch.pk), "lines": lines_of(*pairs), **extra}
    return client.post(ORDERS, body, format="json")


def placed(client, branch, *pairs, **extra) -> dict:
    return assert_ok(place(client, branch, *pairs, **extra), 201, "Order placed")


def act(client, order: dict, step: str, body=None):
    return client.post(f"{ORDERS}/{order['id']}/{step}", body or {}, format="json")


def invariants() -> list[str]:
    """Stock rows' reserved = Σ ACTIVE reservations, ledger = stock (reconcile_stock's checks),
    and the order invariants of §37.8 (``holder_violations``)."""
    problems = [f"{d.kind} drift {d.inventory_item_id}@{d.branch_id}" for d in stock_reconcile()]
    for row in StockLevel.objects.filter(reserved_quantity__lt=0) | StockLevel.objects.filter(
        reserved_quantity__gt=F("quantity")
    ):
        problems.append(f"negative stock {row}")
    return problems + holder_violations()
