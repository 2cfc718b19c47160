"""docs/api.md §10: categories and the tree."""

from inventory_app.models import Category, InventoryItem
from tests.api_cases import ALL_ROLES, STAFF, CreateCases, DeleteCases, GetCases, ListCases, UpdateCases
from tests.factories import make_category, make_item
from tests.helpers import MISSING, assert_error, assert_ok, assert_validation
from tests.inventory_app.conftest import BASE

URL = f"{BASE}/categories"
FIELDS = {"id", "name", "description", "parentCategoryId", "isActive", "createdAt", "updatedAt"}


class TestCategoryApi(ListCases, GetCases, CreateCases, UpdateCases, DeleteCases):
    """The basics by declaration (tests/api_cases.py); the rules of §10 follow below."""

    url = URL
    noun, plural = "Category", "Categories"
    output_keys = FIELDS
    read_roles, write_roles = ALL_ROLES, STAFF
    not_found = ("CATEGORY_NOT_FOUND", "Category not found with id: {id}")

    def make(self):
        return make_category()

    def create_body(self):
        return {"name": "New", "description": "Fresh"}

    def update_body(self):
        return {"name": "Renamed", "isActive": False}


def test_create_root_and_child(seller_client, db):
    root = assert_ok(seller_client.post(URL, {"name": "Root"}, format="json"), 201, "Category created successfully")
    assert set(root) == FIELDS
    assert root["parentCategoryId"] is None
    assert root["isActive"] is True
    child = seller_client.post(URL, {"name": "Child", "description": "", "parentCategoryId": root["id"]}, format="json")
    assert assert_ok(child, 201, "Category created successfully")["parentCategoryId"] == root["id"]


def test_create_errors(admin_client, db):
    make_category("Taken")
    assert_validation(
        admin_client.post(URL, {"name": "", "parentCategoryId": "x"}, format="json"),
        {"name": "Must not be blank", "parentCategoryId": "Invalid value"},
    )
    assert_error(
        admin_client.post(URL, {"name": "Taken", "parentCategoryId": MISSING}, format="json"),
        400,
        "CATEGORY_NOT_FOUND",
        f"Parent category not found with id: {MISSING}",
    )
    assert_error(
        admin_client.post(URL, {"name": "Taken"}, format="json"),
        409,
        "CATEGORY_EXISTS",
        "Category with name Taken already exists",
    )


def test_list_order_and_filters(customer_client, db):
    b = make_category("b")
    big = make_category("Z", parent=b)
    a = make_category("A", parent=b)
    lower = make_category("a")
    names = [
        row["name"] for row in assert_ok(customer_client.get(URL), 200, "Categories retrieved successfully", meta=True)
    ]
    assert names == ["A", "Z", "a", "b"]  # code-point order
    assert [r["id"] for r in customer_client.get(URL, {"parentCategoryId": str(b.pk)}).json()["data"]] == [
        str(a.pk),
        str(big.pk),
    ]
    assert [r["name"] for r in customer_client.get(URL, {"rootOnly": "true"}).json()["data"]] == ["a", "b"]
    assert len(customer_client.get(URL, {"rootOnly": "false"}).json()["data"]) == 4
    assert customer_client.get(URL, {"parentCategoryId": MISSING}).json()["data"] == []
    assert lower.pk
    assert_validation(
        customer_client.get(URL, {"parentCategoryId": "1", "rootOnly": "1"}),
        {"parentCategoryId": "Invalid value", "rootOnly": "Invalid value"},
    )


def test_tree_shows_active_branches_only(customer_client, db):
    elec = make_category("Electronics")
    comp = make_category("Computers", parent=elec)
    make_category("Laptops", parent=comp)
    hidden = make_category("Hidden", parent=elec, is_active=False)
    make_category("UnderHidden", parent=hidden)
    make_category("Audio", parent=elec)
    make_category("Archive", is_active=False)
    data = assert_ok(customer_client.get(f"{URL}/tree"), 200, "Category tree retrieved successfully")
    assert "meta" not in customer_client.get(f"{URL}/tree").json()
    assert data == [
        {
            "id": str(elec.pk),
            "name": "Electronics",
            "children": [
                {"id": data[0]["children"][0]["id"], "name": "Audio", "children": []},
                {
                    "id": str(comp.pk),
                    "name": "Computers",
                    "children": [
                        {"id": data[0]["children"][1]["children"][0]["id"], "name": "Laptops", "children": []}
                    ],
                },
            ],
        }
    ]


def test_update_rules(seller_client, db):
    root = make_category("Root")
    child = make_category("Child", parent=root)
    grandchild = make_category("Grand", parent=child)
    make_category("Other")
    cycle = "Category hierarchy cannot contain cycles"
    assert_error(
        seller_client.put(f"{URL}/{root.pk}", {"parentCategoryId": str(grandchild.pk)}, format="json"),
        400,
        "BAD_REQUEST",
        cycle,
    )
    assert_error(
        seller_client.put(f"{URL}/{root.pk}", {"parentCategoryId": str(root.pk)}, format="json"),
        400,
        "BAD_REQUEST",
        cycle,
    )
    assert_error(
        seller_client.put(f"{URL}/{root.pk}", {"parentCategoryId": MISSING}, format="json"),
        400,
        "CATEGORY_NOT_FOUND",
        f"Parent category not found with id: {MISSING}",
    )
    assert_error(
        seller_client.put(f"{URL}/{root.pk}", {"name": "Other"}, format="json"),
        409,
        "CATEGORY_EXISTS",
        "Category with name Other already exists",
    )
    assert_error(
        seller_client.put(f"{URL}/{MISSING}", {"name": "X"}, format="json"),
        404,
        "CATEGORY_NOT_FOUND",
        f"Category not found with id: {MISSING}",
    )
    data = assert_ok(
        seller_client.put(
            f"{URL}/{grandchild.pk}",
            {"parentCategoryId": str(root.pk), "name": "Grand", "isActive": False},
            format="json",
        ),
        200,
        "Category updated successfully",
    )
    assert (data["parentCategoryId"], data["isActive"], data["description"]) == (str(root.pk), False, None)


def test_delete_detaches_children_and_items(admin_client, db):
    root = make_category("Root")
    child = make_category("Child", parent=root)
    item = make_item("S-1", category=root)
    assert assert_ok(admin_client.delete(f"{URL}/{root.pk}"), 200, "Category deleted successfully") is None
    assert Category.objects.get(pk=child.pk).parent_category_id is None
    assert InventoryItem.objects.get(pk=item.pk).category_id is None
    assert_error(
        admin_client.delete(f"{URL}/{root.pk}"), 404, "CATEGORY_NOT_FOUND", f"Category not found with id: {root.pk}"
    )
