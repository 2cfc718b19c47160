"""The inventory back office: every model listed, the ledger read-only, deletes through the
services, categories as a tree, items with total stock and a read-only stock inline, CSV export of
the filtered changelist."""

import csv
import io
import re

import pytest
from django.contrib import admin
from django.test import Client

from auth_app.models import RoleName
from inventory_app.models import Branch, Category, InventoryItem, StockLevel, StockMovement
from inventory_app.services.stock import movement_create
from tests.factories import make_category, make_item, make_user, stock


@pytest.fixture
def staff(db):
    user = make_user(RoleName.ADMIN)
    client = Client()
    client.force_login(user)
    return client


MODELS = [
    "inventory_app/branch",
    "inventory_app/category",
    "inventory_app/inventoryitem",
    "inventory_app/stocklevel",
    "inventory_app/stockmovement",
    "inventory_app/stockreservation",
    "natjoub/idempotencykey",
    "natjoub/outboxmail",
]


@pytest.mark.parametrize("model", MODELS)
def test_changelists_render_with_search(staff, item, branch, model):
    stock(item, branch, 3)
    response = staff.get(f"/admin/{model}/", {"q": "LAP"})
    assert response.status_code == 200


@pytest.mark.parametrize("model", ["stockmovement", "stocklevel"])
def test_ledger_is_read_only(staff, model):
    assert staff.get(f"/admin/inventory_app/{model}/add/").status_code == 403


def test_low_stock_filter(staff, item, branch):
    stock(item, branch, 1)
    response = staff.get("/admin/inventory_app/stocklevel/", {"low_stock": "yes"})
    assert response.status_code == 200
    assert "LAP-1" in response.content.decode()


def test_delete_of_a_branch_in_use_is_refused(staff, item, branch):
    stock(item, branch, 3)
    response = staff.post(f"/admin/inventory_app/branch/{branch.pk}/delete/", {"post": "yes"}, follow=True)
    assert "deactivate it instead" in response.content.decode()
    assert Branch.objects.filter(pk=branch.pk).exists()


def changelist_rows(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def csv_of(response) -> list[list[str]]:
    assert response.status_code == 200, response
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# -- categories as a tree -------------------------------------------------------------------------
@pytest.fixture
def tree(db) -> dict[str, Category]:
    electronics = make_category("Electronics")
    laptops = make_category("Laptops", electronics)
    nodes = {
        "Electronics": electronics,
        "Laptops": laptops,
        "Gaming laptops": make_category("Gaming laptops", laptops),
        "Audio": make_category("Audio", electronics),
        "Books": make_category("Books"),
        "Appliances": make_category("Appliances"),
    }
    nodes["Zeta kettles"] = make_category("Zeta kettles", nodes["Appliances"])
    return nodes


TREE_ORDER = [
    ("Appliances", 0),
    ("Zeta kettles", 1),
    ("Books", 0),
    ("Electronics", 0),
    ("Audio", 1),
    ("Laptops", 1),
    ("Gaming laptops", 2),
]


def test_categories_are_listed_as_an_indented_tree(staff, tree):
    response = staff.get("/admin/inventory_app/category/")
    rows = changelist_rows(response)
    assert [(c.name, len(c.tree_path) - 1) for c in rows] == TREE_ORDER
    assert rows[-1].tree_path == ["Electronics", "Laptops", "Gaming laptops"]
    html = response.content.decode()
    indent = "\u00a0" * 4
    assert f'data-depth="2" title="Electronics › Laptops › Gaming laptops">{indent * 2}└ Gaming laptops</span>' in html
    assert f'data-depth="1" title="Appliances › Zeta kettles">{indent}└ Zeta kettles</span>' in html
    assert 'data-depth="0"' not in html  # roots are plain names
    table = html[html.index('id="result_list"') :]
    positions = [table.index(f"└ {name}" if depth else f">{name}</a>") for name, depth in TREE_ORDER]
    assert positions == sorted(positions)


def test_category_tree_keeps_depth_when_searched_and_sorted_by_column(staff, tree):
    found = changelist_rows(staff.get("/admin/inventory_app/category/", {"q": "laptops"}))
    assert [(c.name, len(c.tree_path) - 1) for c in found] == [("Laptops", 1), ("Gaming laptops", 2)]
    # no actions here (deletes go one by one through the service), so the name is column 0
    by_tree = changelist_rows(staff.get("/admin/inventory_app/category/", {"o": "0"}))
    assert [c.name for c in by_tree] == [name for name, _ in TREE_ORDER]
    by_tree_desc = changelist_rows(staff.get("/admin/inventory_app/category/", {"o": "-0"}))
    assert [c.name for c in by_tree_desc] == [name for name, _ in reversed(TREE_ORDER)]


def test_category_tree_survives_a_cycle_in_the_data(staff, tree):
    Category.objects.filter(pk=tree["Electronics"].pk).update(parent_category=tree["Gaming laptops"])
    rows = changelist_rows(staff.get("/admin/inventory_app/category/"))
    assert len(rows) == len(TREE_ORDER)


def test_category_forms_and_filters_still_work_with_the_tree(staff, tree):
    assert staff.get(f"/admin/inventory_app/category/{tree['Laptops'].pk}/change/").status_code == 200
    assert staff.get("/admin/inventory_app/inventoryitem/add/").status_code == 200
    filtered = staff.get("/admin/inventory_app/category/", {"parent_category__id__exact": tree["Laptops"].pk})
    assert [c.name for c in changelist_rows(filtered)] == ["Gaming laptops"]
    results = staff.get(
        "/admin/autocomplete/",
        {"term": "lap", "app_label": "inventory_app", "model_name": "inventoryitem", "field_name": "category"},
    ).json()["results"]
    assert [r["text"] for r in results] == ["Gaming laptops", "Laptops"]


# -- items: total stock and the read-only stock inline ---------------------------------------------
@pytest.fixture
def stocked(item, branch, other_branch):
    stock(item, branch, 3, reserved=1)
    stock(item, other_branch, 4)
    low = make_item("LOW-1", "Cable", reorder_level=50)
    stock(low, branch, 2)
    empty = make_item("NIL-1", "Nothing yet")
    return {"LAP-1": item, "LOW-1": low, "NIL-1": empty}


TOTAL_STOCK_COLUMN = 6  # list_display position (the checkbox is 0)


def test_items_show_total_stock_across_branches(staff, stocked):
    rows = changelist_rows(staff.get("/admin/inventory_app/inventoryitem/"))
    assert {i.sku: i.total_stock for i in rows} == {"LAP-1": 7, "LOW-1": 2, "NIL-1": 0}
    response = staff.get("/admin/inventory_app/inventoryitem/")
    assert '<th scope="col" class="sortable column-total_stock">' in response.content.decode()
    assert '<td class="field-total_stock">7</td>' in response.content.decode()


def test_items_order_by_total_stock(staff, stocked):
    ascending = changelist_rows(staff.get("/admin/inventory_app/inventoryitem/", {"o": TOTAL_STOCK_COLUMN}))
    assert [i.sku for i in ascending] == ["NIL-1", "LOW-1", "LAP-1"]
    descending = changelist_rows(staff.get("/admin/inventory_app/inventoryitem/", {"o": f"-{TOTAL_STOCK_COLUMN}"}))
    assert [i.sku for i in descending] == ["LAP-1", "LOW-1", "NIL-1"]


def test_item_page_shows_its_stock_rows_read_only(staff, stocked, item):
    response = staff.get(f"/admin/inventory_app/inventoryitem/{item.pk}/change/")
    assert response.status_code == 200
    [inline] = [f for f in response.context["inline_admin_formsets"] if f.opts.model is StockLevel]
    assert (inline.has_add_permission, inline.has_change_permission, inline.has_delete_permission) == (
        False,
        False,
        False,
    )
    assert len(inline.formset.forms) == 2
    html = response.content.decode()
    for label in ("Branch", "Quantity", "Reserved quantity", "Available", "Reorder level", "Low stock"):
        assert label in html
    assert re.findall(r'field-available">\s*<p>(\d+)</p>', html) == ["4", "2"]  # ST: 4; WH: 3 - 1 reserved
    assert 'name="stock_levels-0-quantity"' not in html
    assert inline.formset.max_num == 0  # no "add another" row


def test_stock_quantity_cannot_be_set_through_the_item_form(staff, stocked, item, branch):
    levels = list(StockLevel.objects.filter(inventory_item=item).order_by("branch__code"))
    data = {
        "name": "Laptop renamed",
        "unit_of_measure": "piece",
        "unit_price": "10.00",
        "reorder_level": "5",
        "reorder_quantity": "50",
        "is_active": "on",
        "stock_levels-TOTAL_FORMS": "3",
        "stock_levels-INITIAL_FORMS": "2",
        "stock_levels-MIN_NUM_FORMS": "0",
        "stock_levels-MAX_NUM_FORMS": "1000",
        "stock_levels-2-branch": str(branch.pk),
        "stock_levels-2-quantity": "500",
    }
    for index, level in enumerate(levels):
        data |= {
            f"stock_levels-{index}-id": str(level.pk),
            f"stock_levels-{index}-quantity": "999",
            f"stock_levels-{index}-reserved_quantity": "0",
            f"stock_levels-{index}-DELETE": "on",
        }
    response = staff.post(f"/admin/inventory_app/inventoryitem/{item.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert InventoryItem.objects.get(pk=item.pk).name == "Laptop renamed"
    assert [(s.quantity, s.reserved_quantity) for s in StockLevel.objects.filter(inventory_item=item).order_by(
        "branch__code"
    )] == [(4, 0), (3, 1)]  # fmt: skip


# -- the ledger stays read-only -------------------------------------------------------------------
def test_movements_cannot_be_changed_or_deleted(staff, item, branch):
    stock(item, branch, 3)
    movement = StockMovement.objects.get()
    url = f"/admin/inventory_app/stockmovement/{movement.pk}"
    view = staff.get(f"{url}/change/")
    assert view.status_code == 200  # viewable
    assert 'name="quantity"' not in view.content.decode()
    assert staff.post(f"{url}/change/", {"quantity": "99", "movement_type": "OUT"}).status_code == 403
    assert staff.get(f"{url}/delete/").status_code == 403
    assert staff.post(f"{url}/delete/", {"post": "yes"}).status_code == 403
    bulk = staff.post(
        "/admin/inventory_app/stockmovement/", {"action": "delete_selected", "_selected_action": [movement.pk]}
    )
    assert bulk.status_code == 302
    movement.refresh_from_db()
    assert (movement.quantity, movement.movement_type) == (3, "IN")
    actions = dict(staff.get("/admin/inventory_app/stockmovement/").context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions


def test_stock_levels_cannot_be_set_directly(staff, item, branch):
    level = stock(item, branch, 3)
    url = f"/admin/inventory_app/stocklevel/{level.pk}"
    assert staff.post(f"{url}/change/", {"quantity": "99", "reserved_quantity": "0"}).status_code == 403
    assert staff.post(f"{url}/delete/", {"post": "yes"}).status_code == 403
    staff.post("/admin/inventory_app/stocklevel/", {"action": "delete_selected", "_selected_action": [level.pk]})
    level.refresh_from_db()
    assert level.quantity == 3
    actions = dict(staff.get("/admin/inventory_app/stocklevel/").context["action_form"].fields["action"].choices)
    assert set(actions) == {"", "export_as_csv"}


def test_reservations_are_changed_only_by_the_service_actions(staff):
    actions = dict(staff.get("/admin/inventory_app/stockreservation/").context["action_form"].fields["action"].choices)
    assert set(actions) == {"", "release_selected", "commit_selected"}
    assert staff.get("/admin/inventory_app/stockreservation/add/").status_code == 403


# -- CSV export of the filtered changelist --------------------------------------------------------
@pytest.fixture
def movements(item, branch, other_branch):
    """Three IN movements (opening balances), then one OUT and one TRANSFER through the service."""
    stock(item, branch, 10)
    stock(item, other_branch, 5)
    cable = make_item("CAB-1", '=HYPERLINK("http://evil")')
    stock(cable, branch, 7)
    movement_create(
        inventory_item_id=item.pk, movement_type="OUT", quantity=2, from_branch_id=branch.pk, performed_by=None
    )
    movement_create(
        inventory_item_id=item.pk,
        movement_type="TRANSFER",
        quantity=1,
        from_branch_id=branch.pk,
        to_branch_id=other_branch.pk,
        reference_number="+T-1",
        performed_by=None,
    )
    return StockMovement.objects.all()


def export_link(response) -> str:
    html = response.content.decode()
    match = re.search(r'<a href="([^"]+)" class="export-csv-link" download>Export CSV</a>', html)
    assert match is not None
    return match[1].replace("&amp;", "&")


@pytest.mark.parametrize("model", ["inventoryitem", "stocklevel", "stockmovement"])
def test_export_link_is_offered_where_it_belongs(staff, model):
    response = staff.get(f"/admin/inventory_app/{model}/", {"q": "x y"})
    assert export_link(response) == f"/admin/inventory_app/{model}/export/?q=x+y"


@pytest.mark.parametrize("model", ["branch", "category", "stockreservation", "idempotencykey"])
def test_no_export_link_elsewhere(staff, model):
    assert "Export CSV" not in staff.get(f"/admin/inventory_app/{model}/").content.decode()
    assert staff.get(f"/admin/inventory_app/{model}/export/").status_code != 200


def test_export_movements_of_the_filtered_changelist(staff, movements):
    listing = staff.get("/admin/inventory_app/stockmovement/", {"movement_type__exact": "OUT"})
    expected = changelist_rows(listing)
    rows = csv_of(staff.get(export_link(listing)))
    assert rows[0] == [
        "created_at",
        "movement_type",
        "inventory_item",
        "quantity",
        "from_branch",
        "to_branch",
        "reference_number",
        "performed_by",
        "from_balance_after",
        "to_balance_after",
    ]
    assert len(expected) == 1
    assert rows[1:] == [["" if v is None else str(v) for v in [
        expected[0].created_at, "OUT", "LAP-1 — Laptop", 2, "WH — Warehouse", None, None, None, 8, None
    ]]]  # fmt: skip
    everything = csv_of(staff.get("/admin/inventory_app/stockmovement/export/"))
    assert len(everything) - 1 == StockMovement.objects.count() == 5
    # same order as the changelist (newest first)
    assert [r[1] for r in everything[1:]] == [
        m.movement_type for m in changelist_rows(staff.get("/admin/inventory_app/stockmovement/"))
    ]


def test_export_covers_every_page_not_just_the_one_shown(staff, movements, monkeypatch):
    monkeypatch.setattr(admin.site._registry[StockMovement], "list_per_page", 2)
    listing = staff.get("/admin/inventory_app/stockmovement/", {"p": "2"})
    assert len(changelist_rows(listing)) == 2
    assert "p=" not in export_link(listing)
    assert len(csv_of(staff.get(export_link(listing)))) - 1 == 5


def test_export_items_with_search_and_total_stock(staff, movements):
    listing = staff.get("/admin/inventory_app/inventoryitem/", {"q": "LAP"})
    rows = csv_of(staff.get(export_link(listing)))
    assert rows[0] == [
        "sku",
        "name",
        "category",
        "unit_price",
        "reorder_level",
        "total_stock",
        "is_active",
        "created_at",
    ]
    assert [r[:7] for r in rows[1:]] == [["LAP-1", "Laptop", "", "10.00", "5", "13", "True"]]  # 10 + 5 - 2


def test_export_neutralises_spreadsheet_formulas(staff, movements):
    rows = csv_of(staff.get("/admin/inventory_app/inventoryitem/export/", {"q": "CAB"}))
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
    rows = csv_of(staff.get("/admin/inventory_app/stockmovement/export/", {"movement_type__exact": "TRANSFER"}))
    assert rows[1][6] == "'+T-1"


def test_export_stock_levels_with_the_low_stock_filter(staff, item, branch, other_branch):
    stock(item, branch, 3)  # reorder level 5: low
    stock(item, other_branch, 50)
    rows = csv_of(staff.get("/admin/inventory_app/stocklevel/export/", {"low_stock": "yes"}))
    assert [(r[1], r[2]) for r in rows[1:]] == [("WH — Warehouse", "3")]


def test_export_with_a_bad_filter_goes_back_to_the_changelist(staff):
    response = staff.get("/admin/inventory_app/stockmovement/export/", {"no_such_field": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/inventory_app/stockmovement/?e=1"


@pytest.mark.parametrize("role", [RoleName.SELLER, RoleName.CUSTOMER, None])
def test_export_is_for_admins_only(role, movements):
    client = Client()
    if role is not None:
        client.force_login(make_user(role))
    response = client.get("/admin/inventory_app/stockmovement/export/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_export_action_still_exports_the_selection(staff, movements):
    chosen = list(StockMovement.objects.filter(movement_type="IN").values_list("pk", flat=True))
    response = staff.post(
        "/admin/inventory_app/stockmovement/", {"action": "export_as_csv", "_selected_action": chosen}
    )
    rows = csv_of(response)
    assert len(rows) - 1 == 3
    assert {r[1] for r in rows[1:]} == {"IN"}


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\nx", "＝1+1", "＋1", "－1", "＠x"])
def test_csv_cell_quotes_every_formula_start(text):
    from inventory_app.admin.views import csv_cell

    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize(("value", "cell"), [(-5, "-5"), ("plain", "plain"), (None, "")])
def test_csv_cell_leaves_numbers_and_plain_text(value, cell):
    from inventory_app.admin.views import csv_cell

    assert csv_cell(value) == cell
