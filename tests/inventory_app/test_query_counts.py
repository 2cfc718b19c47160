"""List endpoints run a constant number of queries, whatever the page size (1 row vs 30 rows).

Per request: 1 rate-limit counter query (middleware) + 1 bearer-authentication query, then the
endpoint's own queries (count + page, plus a branch existence check for stock by branch)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auth_app.models import RoleName
from inventory_app import services
from inventory_app.models import BranchAssignment, ReservationStatus, SellerGrant, StockReservation
from tests.conftest import bearer_client
from tests.factories import make_branch, make_category, make_item, make_user, stock
from tests.inventory_app.conftest import BASE

OVERHEAD = 2  # rate limit + authentication


@pytest.fixture
def populated(db):
    def build(n: int):
        branch = make_branch("WH", "Warehouse")
        other = make_branch("ST", "Store")
        category = make_category("Root")
        for i in range(n):
            make_branch(f"X-{i}")
            make_category(f"C-{i}", parent=category)
            item = make_item(f"S-{i:03}", reorder_level=100, category=category)
            stock(item, branch, 5)
            stock(item, other, 0)
            StockReservation.objects.create(
                inventory_item=item,
                branch=branch,
                quantity=1,
                status=ReservationStatus.RELEASED,
                expires_at="2030-01-01T00:00Z",
            )
        return branch, category

    return build


LISTS = [
    ("/branches", {}, 2),
    ("/categories", {}, 2),
    ("/items", {}, 2),
    ("/items", {"categoryId": "CATEGORY", "search": "S-", "ordering": "-unitPrice"}, 2),
    ("/movements", {"branchId": "BRANCH", "movementType": "IN"}, 2),
    ("/stock-levels/branch/BRANCH", {}, 3),
    ("/stock-levels/low-stock", {}, 1),  # the flagged rows' page with its total (was + the largest reorder level)
    ("/reservations", {"status": "RELEASED"}, 2),
]


@pytest.mark.parametrize("rows", [1, 30])
@pytest.mark.parametrize(("path", "params", "queries"), LISTS, ids=[p + str(sorted(q)) for p, q, _ in LISTS])
def test_list_query_count_is_constant(admin_client, populated, django_assert_num_queries, rows, path, params, queries):
    branch, category = populated(rows)
    path = path.replace("BRANCH", str(branch.pk))
    params = {k: v.replace("BRANCH", str(branch.pk)).replace("CATEGORY", str(category.pk)) for k, v in params.items()}
    with django_assert_num_queries(queries + OVERHEAD):
        response = admin_client.get(BASE + path, params)
    assert response.status_code == 200
    assert len(response.json()["data"]) >= rows


def test_category_tree_is_one_query(admin_client, populated, django_assert_num_queries):
    populated(30)
    with django_assert_num_queries(1 + OVERHEAD):
        assert len(admin_client.get(f"{BASE}/categories/tree").json()["data"][0]["children"]) == 30


# -- a seller's access costs one query per request (docs/api.md §36) --------------------------
# The admin's counts are those measured before scoping existed (since then the item and branch
# locks became one statement, and a movement is inserted by the statement that writes the stock
# rows: docs/architecture.md §3.8). A seller's request first reads its grant and assignments: one
# indexed query on the PRIMARY (docs/api.md §35: a removed grant must never be read from a lagging
# replica, so the rule cannot sit inside a list's SQL that a replica evaluates). The branch ids
# then go into the request's own statements; the checks that used to cost a query of their own
# (an idempotency key's pre-check when every named branch is the seller's, a low-stock
# ``branchId`` filter) are now decided from those ids: the extra is one query on every route.
SELLER_EXTRA = 1
ROUTE_COUNTS = {
    # route: admin
    "POST movements": 6,  # the item, branch and stock row locks of a one-row movement: one statement
    "POST movements + key": 11,
    "GET movements": 4,
    "GET movements/{id}": 3,
    "GET stock-levels/branch/{id}": 5,
    "GET low-stock": 3,
    "GET low-stock?branchId": 3,
    "POST reservations": 8,
    "GET reservations/{id}": 3,
    "POST reservations/{id}/release": 10,
    "POST reservations/{id}/commit": 11,
}


def _scoped_requests(client, item, branch, key: str) -> dict[str, int]:
    def count(method, url, body=None, **extra):
        with CaptureQueriesContext(connection) as queries:
            response = client.generic(
                method, url, json.dumps(body) if body else "", content_type="application/json", **extra
            )
        assert response.status_code < 300, (url, response.content)
        return len(queries.captured_queries), response.json()["data"]

    out = {"inventoryItemId": str(item.pk), "movementType": "OUT", "quantity": 1, "fromBranchId": str(branch.pk)}
    hold = {"inventoryItemId": str(item.pk), "branchId": str(branch.pk), "quantity": 1}
    n = {}
    count("POST", f"{BASE}/movements", out)  # warm-up
    n["POST movements"], _ = count("POST", f"{BASE}/movements", out)
    n["POST movements + key"], movement = count("POST", f"{BASE}/movements", out, HTTP_IDEMPOTENCY_KEY=key)
    n["GET movements"], _ = count("GET", f"{BASE}/movements")
    n["GET movements/{id}"], _ = count("GET", f"{BASE}/movements/{movement['id']}")
    n["GET stock-levels/branch/{id}"], _ = count("GET", f"{BASE}/stock-levels/branch/{branch.pk}")
    n["GET low-stock"], _ = count("GET", f"{BASE}/stock-levels/low-stock")
    n["GET low-stock?branchId"], _ = count("GET", f"{BASE}/stock-levels/low-stock?branchId={branch.pk}")
    n["POST reservations"], reservation = count("POST", f"{BASE}/reservations", hold)
    n["GET reservations/{id}"], _ = count("GET", f"{BASE}/reservations/{reservation['id']}")
    n["POST reservations/{id}/release"], _ = count("POST", f"{BASE}/reservations/{reservation['id']}/release")
    _, reservation = count("POST", f"{BASE}/reservations", hold)
    n["POST reservations/{id}/commit"], _ = count("POST", f"{BASE}/reservations/{reservation['id']}/commit")
    return n


@pytest.mark.parametrize("caller", ["admin", "seller with a grant", "assigned seller"])
def test_a_sellers_access_costs_one_query(db, caller):
    branch = make_branch("A")
    item = make_item("I", reorder_level=1)
    stock(item, branch, 1000)
    user = make_user(RoleName.ADMIN if caller == "admin" else RoleName.SELLER)
    if caller == "seller with a grant":
        SellerGrant.objects.create(user=user)
    if caller == "assigned seller":
        BranchAssignment.objects.create(user=user, branch=branch)
        BranchAssignment.objects.create(user=user, branch=make_branch("B"))
    counts = _scoped_requests(bearer_client(user), item, branch, key=f"k-{caller}")
    seller = caller != "admin"
    assert counts == {route: admin + (SELLER_EXTRA if seller else 0) for route, admin in ROUTE_COUNTS.items()}


@pytest.mark.parametrize("rows", [1, 30])
def test_transfer_and_alert_lists_are_constant(pending_seller_client, db, django_assert_num_queries, rows):
    seller_client = pending_seller_client

    src, dst = make_branch("SRC"), make_branch("DST")
    BranchAssignment.objects.create(user=seller_client.user, branch=src)  # scoped: its branch ids are in the SQL
    for i in range(rows):
        item = make_item(f"T-{i:03}", reorder_level=50)
        stock(item, src, 10)  # low: an OPEN alert each
        lines = [{"inventory_item_id": item.pk, "quantity": 1}]
        services.transfer_dispatch(from_branch_id=src.pk, to_branch_id=dst.pk, lines=lines, dispatched_by=None)
    with django_assert_num_queries(SELLER_EXTRA + 3 + OVERHEAD):  # access, count, page, lines with their items
        assert len(seller_client.get(f"{BASE}/transfers").json()["data"]) == rows
    with django_assert_num_queries(SELLER_EXTRA + 2 + OVERHEAD):  # access, count, page
        assert len(seller_client.get(f"{BASE}/stock-alerts").json()["data"]) == rows


@pytest.mark.parametrize("rows", [1, 30])
def test_sellers_list_is_constant(admin_client, db, django_assert_num_queries, rows):
    """GET sellers (docs/api.md §36): the sellers, their grants, their assignments with branches."""
    branch = make_branch("S")
    for i in range(rows):
        seller = make_user(RoleName.SELLER)
        if i % 3 == 0:
            SellerGrant.objects.create(user=seller)
        elif i % 3 == 1:
            BranchAssignment.objects.create(user=seller, branch=branch)
    for pending in ("", "?pendingAccess=true", "?pendingAccess=false"):
        with django_assert_num_queries(3 + OVERHEAD):
            assert admin_client.get(f"{BASE}/sellers{pending}").status_code == 200
    assert admin_client.get(f"{BASE}/sellers").json()["meta"]["total"] == rows
