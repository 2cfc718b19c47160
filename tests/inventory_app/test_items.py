"""docs/api.md §11: inventory items."""

import pytest

from inventory_app.models import InventoryItem, ReservationStatus, StockLevel, StockReservation
from tests.factories import make_branch, make_category, make_item, stock
from tests.helpers import MISSING, TIMESTAMP_RE, assert_error, assert_ok, assert_validation
from tests.inventory_app.conftest import BASE

URL = f"{BASE}/items"
FIELDS = {
    "id",
    "sku",
    "name",
    "description",
    "categoryId",
    "categoryName",
    "unitOfMeasure",
    "unitPrice",
    "reorderLevel",
    "reorderQuantity",
    "barcode",
    "imageUrl",
    "isActive",
    "totalStock",
    "createdAt",
    "updatedAt",
}
ORDERING_MESSAGE = "Must be one of: name, sku, unitPrice, createdAt (prefix - for descending)"


def body(**overrides):
    return {"sku": "LAP-1", "name": "Laptop", "unitOfMeasure": "piece", "unitPrice": 899.994, **overrides}


def test_create_dto_defaults_and_money(seller_client, db):
    cat = make_category("Electronics")
    response = seller_client.post(URL, body(categoryId=str(cat.pk), barcode="123"), format="json")
    data = assert_ok(response, 201, "Inventory item created successfully")
    assert set(data) == FIELDS
    assert data["unitPrice"] == "899.99"
    assert (data["reorderLevel"], data["reorderQuantity"], data["totalStock"]) == (10, 50, 0)
    assert (data["categoryId"], data["categoryName"], data["isActive"]) == (str(cat.pk), "Electronics", True)
    assert TIMESTAMP_RE.match(data["updatedAt"])
    again = seller_client.post(URL, body(unitPrice="5", sku="X-2", reorderLevel="0"), format="json").json()["data"]
    assert (again["unitPrice"], again["reorderLevel"], again["categoryName"]) == ("5.00", 0, None)


def test_create_validation(admin_client, db):
    response = admin_client.post(
        URL,
        {
            "sku": "x" * 101,
            "unitOfMeasure": " ",
            "unitPrice": 100000000,
            "reorderLevel": -1,
            "reorderQuantity": 1.5,
            "categoryId": "abc",
            "imageUrl": "u" * 501,
        },
        format="json",
    )
    assert_validation(
        response,
        {
            "sku": "Must be at most 100 characters",
            "name": "Field is required",
            "unitOfMeasure": "Must not be blank",
            "unitPrice": "Must be between 0 and 99999999.99",
            "reorderLevel": "Must be greater than or equal to 0",
            "reorderQuantity": "Invalid value",
            "categoryId": "Invalid value",
            "imageUrl": "Must be at most 500 characters",
        },
    )
    assert_validation(admin_client.post(URL, body(unitPrice="NaN"), format="json"), {"unitPrice": "Invalid value"})
    assert_validation(
        admin_client.post(URL, body(unitPrice=-0.01), format="json"), {"unitPrice": "Must be between 0 and 99999999.99"}
    )


def test_create_unknown_category_then_duplicate(admin_client, db):
    assert_error(
        admin_client.post(URL, body(categoryId=MISSING), format="json"),
        400,
        "CATEGORY_NOT_FOUND",
        f"Category not found with id: {MISSING}",
    )
    make_item("LAP-1")
    assert_error(
        admin_client.post(URL, body(), format="json"), 409, "ITEM_EXISTS", "Item with SKU LAP-1 already exists"
    )


def test_total_stock_sums_rows(customer_client, db):
    item = make_item("A")
    stock(item, make_branch("B1"), 100)
    stock(item, make_branch("B2"), 35, reserved=5)
    data = assert_ok(customer_client.get(f"{URL}/{item.pk}"), 200, "Inventory item retrieved successfully")
    assert data["totalStock"] == 135
    assert_error(
        customer_client.get(f"{URL}/{MISSING}"), 404, "ITEM_NOT_FOUND", f"Inventory item not found with id: {MISSING}"
    )


def test_list_filters_search_ordering(customer_client, db):
    root = make_category("Root")
    child = make_category("Child", parent=root)
    grand = make_category("Grand", parent=child)
    other = make_category("Other")
    a = make_item("B-2", "apple", unit_price="3.00", category=grand, barcode="999")
    b = make_item("A-1", "Banana", unit_price="1.00", category=root)
    c = make_item("C-3", "Cherry", unit_price="2.00", category=other, is_active=False)
    ids = lambda response: [row["id"] for row in response.json()["data"]]  # noqa: E731
    assert ids(customer_client.get(URL)) == [str(b.pk), str(c.pk), str(a.pk)]  # "B" < "C" < "a"
    assert ids(customer_client.get(URL, {"ordering": "-name"})) == [str(a.pk), str(c.pk), str(b.pk)]
    assert ids(customer_client.get(URL, {"ordering": "unitPrice"})) == [str(b.pk), str(c.pk), str(a.pk)]
    assert ids(customer_client.get(URL, {"ordering": "-sku"})) == [str(c.pk), str(a.pk), str(b.pk)]
    assert ids(customer_client.get(URL, {"ordering": "createdAt"})) == [str(a.pk), str(b.pk), str(c.pk)]
    assert ids(customer_client.get(URL, {"categoryId": str(root.pk)})) == [str(b.pk), str(a.pk)]
    assert ids(customer_client.get(URL, {"categoryId": str(grand.pk)})) == [str(a.pk)]
    assert ids(customer_client.get(URL, {"categoryId": MISSING})) == []
    assert ids(customer_client.get(URL, {"search": "99"})) == [str(a.pk)]
    assert ids(customer_client.get(URL, {"search": "a-1"})) == [str(b.pk)]
    assert ids(customer_client.get(URL, {"isActive": "false"})) == [str(c.pk)]
    assert ids(customer_client.get(URL, {"isActive": "true", "categoryId": str(other.pk)})) == []
    assert_validation(
        customer_client.get(URL, {"ordering": "price", "categoryId": "no", "limit": "x"}),
        {"ordering": ORDERING_MESSAGE, "categoryId": "Invalid value", "limit": "Must be an integer between 1 and 1000"},
    )
    assert_validation(customer_client.get(URL, {"ordering": "-"}), {"ordering": ORDERING_MESSAGE})


def test_update_ignores_sku(seller_client, db):
    item = make_item("S-1", unit_price="1.00")
    cat = make_category("C")
    data = assert_ok(
        seller_client.put(
            f"{URL}/{item.pk}",
            {"sku": "NEW", "unitPrice": "2.345", "categoryId": str(cat.pk), "isActive": False, "name": None},
            format="json",
        ),
        200,
        "Inventory item updated successfully",
    )
    assert (data["sku"], data["unitPrice"], data["categoryName"], data["isActive"]) == ("S-1", "2.35", "C", False)
    assert data["name"] == "Item S-1"
    assert_error(
        seller_client.put(f"{URL}/{item.pk}", {"categoryId": MISSING}, format="json"),
        400,
        "CATEGORY_NOT_FOUND",
        f"Category not found with id: {MISSING}",
    )
    assert_error(
        seller_client.put(f"{URL}/{MISSING}", {}, format="json"),
        404,
        "ITEM_NOT_FOUND",
        f"Inventory item not found with id: {MISSING}",
    )
    assert_validation(
        seller_client.put(f"{URL}/{item.pk}", {"reorderQuantity": -1}, format="json"),
        {"reorderQuantity": "Must be greater than or equal to 0"},
    )


IN_USE = "Inventory item has stock, reservations or movement history; deactivate it instead"


@pytest.mark.parametrize("usage", ["none", "stock", "movement", "reservation"])
def test_delete(admin_client, db, usage):
    item = make_item("D-1")
    branch = make_branch("B")
    if usage == "stock":  # units but no ledger entry: the stock alone must keep the item
        StockLevel.objects.create(inventory_item=item, branch=branch, quantity=1)
    elif usage == "movement":
        stock(item, branch, 1)
        StockLevel.objects.update(quantity=0)
    elif usage == "reservation":
        StockReservation.objects.create(
            inventory_item=item,
            branch=branch,
            quantity=1,
            status=ReservationStatus.COMMITTED,
            expires_at="2030-01-01T00:00Z",
        )
    else:
        stock(item, branch, 0)
    response = admin_client.delete(f"{URL}/{item.pk}")
    if usage == "none":
        assert assert_ok(response, 200, "Inventory item deleted successfully") is None
        assert not InventoryItem.objects.exists()
        assert_error(
            admin_client.delete(f"{URL}/{item.pk}"),
            404,
            "ITEM_NOT_FOUND",
            f"Inventory item not found with id: {item.pk}",
        )
    else:
        assert_error(response, 409, "ITEM_IN_USE", IN_USE)
