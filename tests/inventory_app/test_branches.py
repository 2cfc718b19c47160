"""docs/api.md §9: branches."""

import pytest

from inventory_app.models import Branch, ReservationStatus, StockLevel, StockReservation
from tests.factories import make_branch, stock
from tests.helpers import MISSING, TIMESTAMP_RE, assert_error, assert_ok, assert_validation
from tests.inventory_app.conftest import BASE

URL = f"{BASE}/branches"
FIELDS = {
    "id",
    "name",
    "code",
    "address",
    "city",
    "country",
    "phoneNumber",
    "email",
    "managerName",
    "isActive",
    "createdAt",
    "updatedAt",
}


def test_create_returns_the_dto(admin_client):
    body = {
        "name": "Main",
        "code": "WH-1",
        "address": "1 Road",
        "city": "Phnom Penh",
        "country": "Cambodia",
        "phoneNumber": "+855123456789",
        "email": "a@b.co",
        "managerName": "Dara",
        "isActive": False,
    }
    data = assert_ok(admin_client.post(URL, body, format="json"), 201, "Branch created successfully")
    assert set(data) == FIELDS
    assert data["isActive"] is True  # ignored in the body
    assert data["phoneNumber"] == "+855123456789"
    assert TIMESTAMP_RE.match(data["createdAt"])
    assert Branch.objects.get(pk=data["id"]).code == "WH-1"


def test_create_minimal_has_nulls(admin_client):
    data = assert_ok(
        admin_client.post(URL, {"name": "B", "code": "C"}, format="json"), 201, "Branch created successfully"
    )
    assert data["address"] is data["city"] is data["email"] is data["managerName"] is None


def test_create_validation_collects_every_field(admin_client):
    body = {"name": " ", "city": "x" * 101, "phoneNumber": "0123", "email": "nope", "managerName": 5}
    assert_validation(
        admin_client.post(URL, body, format="json"),
        {
            "name": "Must not be blank",
            "code": "Field is required",
            "city": "Must be at most 100 characters",
            "phoneNumber": "Invalid phone number format",
            "email": "Invalid email format",
            "managerName": "Invalid value",
        },
    )


def test_duplicate_code_is_409(admin_client, branch):
    response = admin_client.post(URL, {"name": "Other", "code": branch.code}, format="json")
    assert_error(response, 409, "BRANCH_EXISTS", f"Branch with code {branch.code} already exists")


def test_list_order_filters_and_meta(seller_client, db):
    a = make_branch("A-1", "Alpha", city="Siem Reap")
    b = make_branch("B-2", "Beta", is_active=False)
    c = make_branch("C-3", "Gamma")
    data = assert_ok(seller_client.get(URL), 200, "Branches retrieved successfully", meta=True)
    assert [row["id"] for row in data] == [str(a.pk), str(b.pk), str(c.pk)]
    body = seller_client.get(URL, {"isActive": "FALSE"}).json()
    assert [row["code"] for row in body["data"]] == ["B-2"]
    assert [r["code"] for r in seller_client.get(URL, {"search": "siem"}).json()["data"]] == ["A-1"]
    assert [r["code"] for r in seller_client.get(URL, {"search": "c-3"}).json()["data"]] == ["C-3"]
    body = seller_client.get(URL, {"limit": 2, "offset": 2}).json()
    assert body["meta"] == {"total": 3, "limit": 2, "offset": 2, "page": 2, "pageSize": 2, "totalPages": 2}
    assert [r["code"] for r in body["data"]] == ["C-3"]


def test_list_rejects_bad_parameters_together(customer_client):
    assert_validation(
        customer_client.get(URL, {"isActive": "yes", "limit": 0, "offset": -1}),
        {
            "isActive": "Invalid value",
            "limit": "Must be an integer between 1 and 1000",
            "offset": "Must be a non-negative integer",
        },
    )


def test_get_one_and_404(customer_client, branch):
    assert assert_ok(customer_client.get(f"{URL}/{branch.pk}"), 200, "Branch retrieved successfully")["code"] == "WH"
    assert_error(
        customer_client.get(f"{URL}/{MISSING}"), 404, "BRANCH_NOT_FOUND", f"Branch not found with id: {MISSING}"
    )


def test_update_ignores_code_and_keeps_absent_fields(admin_client, branch):
    response = admin_client.put(
        f"{URL}/{branch.pk}", {"code": "NEW", "city": "Kampot", "isActive": False, "name": None}, format="json"
    )
    data = assert_ok(response, 200, "Branch updated successfully")
    assert (data["code"], data["city"], data["isActive"], data["name"]) == ("WH", "Kampot", False, "Warehouse")
    assert_error(
        admin_client.put(f"{URL}/{MISSING}", {}, format="json"),
        404,
        "BRANCH_NOT_FOUND",
        f"Branch not found with id: {MISSING}",
    )
    assert_validation(
        admin_client.put(f"{URL}/{branch.pk}", {"isActive": "no"}, format="json"), {"isActive": "Invalid value"}
    )


def test_delete_unused_branch_takes_its_empty_rows(admin_client, branch, item):
    stock(item, branch, 0)
    assert assert_ok(admin_client.delete(f"{URL}/{branch.pk}"), 200, "Branch deleted successfully") is None
    assert not Branch.objects.filter(pk=branch.pk).exists()
    assert not StockLevel.objects.exists()
    assert_error(
        admin_client.delete(f"{URL}/{branch.pk}"), 404, "BRANCH_NOT_FOUND", f"Branch not found with id: {branch.pk}"
    )


IN_USE = "Branch has stock, reservations or movement history; deactivate it instead"


@pytest.mark.parametrize("usage", ["stock", "movement_to", "movement_from", "reservation"])
def test_delete_in_use_is_409(admin_client, branch, other_branch, item, usage):
    if usage == "stock":  # units but no ledger entry: the stock alone must keep the branch
        StockLevel.objects.create(inventory_item=item, branch=branch, quantity=3)
    elif usage == "movement_to":
        stock(item, branch, 2)
        StockLevel.objects.filter(branch=branch).update(quantity=0)
    elif usage == "movement_from":
        stock(item, other_branch, 2)
        admin_client.post(
            f"{BASE}/movements",
            {
                "inventoryItemId": str(item.pk),
                "movementType": "IN",
                "quantity": 1,
                "toBranchId": str(other_branch.pk),
                "fromBranchId": str(branch.pk),
            },
            format="json",
        )
    else:
        stock(item, branch, 0)
        StockReservation.objects.create(
            inventory_item=item,
            branch=branch,
            quantity=1,
            status=ReservationStatus.RELEASED,
            expires_at="2030-01-01T00:00Z",
        )
    assert_error(admin_client.delete(f"{URL}/{branch.pk}"), 409, "BRANCH_IN_USE", IN_USE)
    assert Branch.objects.filter(pk=branch.pk).exists()


def test_seller_cannot_write_branches(seller_client, branch):
    assert seller_client.delete(f"{URL}/{branch.pk}").status_code == 403


def test_invalid_json_and_content_type(admin_client):
    assert_error(
        admin_client.generic("POST", URL, "{bad", content_type="application/json"),
        400,
        "BAD_REQUEST",
        "Malformed JSON request body",
    )
    assert admin_client.generic("POST", URL, "a=b", content_type="text/plain").status_code == 415
    assert_error(
        admin_client.generic("POST", URL, "[1]", content_type="application/json"),
        400,
        "BAD_REQUEST",
        "Request body must be a JSON object",
    )
