"""List endpoints run a constant number of queries, whatever the page size (1 row vs 30 rows).

Per request: 1 rate-limit counter query (middleware) + 1 bearer-authentication query, then the
endpoint's own queries (count + page, plus a branch existence check for stock by branch)."""

import pytest

from inventory_app.models import ReservationStatus, StockReservation
from tests.factories import make_branch, make_category, make_item, stock
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
    ("/stock-levels/low-stock", {}, 3),  # + the largest active reorder level
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
