"""Seller access that fails closed (docs/api.md §36) and the seller balance rule (§35, the §8 row),
through HTTP: a seller with no grant and no assignment acts on no branch, the admin routes that
grant and remove access, ``branches/mine``, branch deletion, the upgrade migration and the
recipients of stock-alert mails."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection

from auth_app.models import RoleName
from inventory_app import services
from inventory_app.models import BranchAssignment, SellerGrant, StockMovement
from inventory_app.selectors.access import staff_emails_for_branch
from tests.conftest import bearer_client
from tests.factories import make_category, make_seller, make_user, stock
from tests.helpers import MISSING, assert_error, assert_ok
from tests.inventory_app.conftest import BASE
from tests.security.conftest import db_dump

NO_ACCESS = ("NO_BRANCH_ACCESS", "Your seller account has no branch access yet")
DENIED = ("BRANCH_ACCESS_DENIED", "You are not assigned to this branch")
NOT_SELLER = ("INVALID_ASSIGNMENT", "Only sellers can be assigned to branches")


def access_url(user_id, suffix: str = "") -> str:
    return f"{BASE}/sellers/{user_id}/access{suffix}"


# -- no grant, no stock access ---------------------------------------------------------------
@pytest.fixture
def stocked(db, branch, other_branch, item):
    """Stock, a reservation, a transfer, an open alert and movements at both branches."""
    stock(item, branch, 4)  # at or below the reorder level of 5: an OPEN alert
    stock(item, other_branch, 20)
    services.reservation_create(inventory_item_id=item.pk, branch_id=other_branch.pk, quantity=1, created_by=None)
    lines = [{"inventory_item_id": item.pk, "quantity": 1}]
    services.transfer_dispatch(from_branch_id=other_branch.pk, to_branch_id=branch.pk, lines=lines, dispatched_by=None)
    return branch, other_branch, item


@pytest.mark.parametrize(
    "path", ["/movements", "/reservations", "/transfers", "/stock-alerts", "/stock-levels/low-stock"]
)
def test_a_self_registered_seller_sees_no_stock(pending_seller_client, admin_client, stocked, path):
    """It used to see (and change) every branch: a seller without assignment was unscoped."""
    assert admin_client.get(BASE + path).json()["meta"]["total"] > 0
    response = pending_seller_client.get(BASE + path)
    assert response.status_code == 200
    assert (response.json()["data"], response.json()["meta"]["total"]) == ([], 0)


def test_a_seller_without_access_cannot_write_stock_anywhere(pending_seller_client, stocked):
    branch, _, item = stocked
    before = db_dump()
    movement = {"inventoryItemId": str(item.pk), "movementType": "IN", "quantity": 5, "toBranchId": str(branch.pk)}
    assert_error(
        pending_seller_client.post(f"{BASE}/movements", movement, format="json"),
        403,
        *DENIED,
        {"branchId": str(branch.pk)},
    )
    hold = {"inventoryItemId": str(item.pk), "branchId": str(branch.pk), "quantity": 1}
    assert_error(
        pending_seller_client.post(f"{BASE}/reservations", hold, format="json"),
        403,
        *DENIED,
        {"branchId": str(branch.pk)},
    )
    assert_error(
        pending_seller_client.get(f"{BASE}/stock-levels/branch/{branch.pk}"), 403, *DENIED, {"branchId": str(branch.pk)}
    )
    assert db_dump() == before


CATALOG_WRITES = [
    ("POST", "/categories"),
    ("PUT", "/categories/{category}"),
    ("DELETE", "/categories/{category}"),
    ("POST", "/items"),
    ("PUT", "/items/{item}"),
    ("DELETE", "/items/{item}"),
]


@pytest.mark.parametrize(("method", "path"), CATALOG_WRITES)
def test_catalog_writes_need_a_branch(pending_seller_client, seller_client, admin_client, item, method, path):
    """403 NO_BRANCH_ACCESS after the role check and before the body is validated (an invalid
    body still gets the 403); a seller with access and an admin get past it."""
    category = make_category("Tools")
    url = BASE + path.format(category=category.pk, item=item.pk)
    before = db_dump()
    for body in ('{"name": ""}', "not json"):
        response = pending_seller_client.generic(method, url, body, content_type="application/json")
        assert_error(response, 403, *NO_ACCESS)
    assert db_dump() == before
    for client in (seller_client, admin_client):
        response = client.generic(method, url, '{"name": ""}', content_type="application/json")
        assert response.status_code != 403, response.content


def test_catalog_writes_open_with_an_assignment(pending_seller_client, branch):
    body = {"name": "Fresh"}
    assert_error(pending_seller_client.post(f"{BASE}/categories", body, format="json"), 403, *NO_ACCESS)
    BranchAssignment.objects.create(user=pending_seller_client.user, branch=branch)
    assert pending_seller_client.post(f"{BASE}/categories", body, format="json").status_code == 201


@pytest.mark.parametrize("path", ["/branches", "/categories", "/items", "/categories/tree"])
def test_catalog_reads_are_unchanged(pending_seller_client, item, branch, path):
    assert pending_seller_client.get(BASE + path).status_code == 200


# -- branches/mine -----------------------------------------------------------------------------
def test_mine_follows_the_grant_then_the_assignments(
    pending_seller_client, seller_client, admin_client, branch, other_branch
):
    def mine(client):
        body = client.get(f"{BASE}/branches/mine").json()
        assert body["message"] == "Branches retrieved successfully"
        return [b["code"] for b in body["data"]], body["meta"]["scoped"]

    assert mine(pending_seller_client) == ([], True)
    assert mine(seller_client) == (["ST", "WH"], False)
    assert mine(admin_client) == (["ST", "WH"], False)
    BranchAssignment.objects.create(user=pending_seller_client.user, branch=branch)
    assert mine(pending_seller_client) == (["WH"], True)
    SellerGrant.objects.create(user=pending_seller_client.user)  # the grant wins over assignments
    assert mine(pending_seller_client) == (["ST", "WH"], False)


# -- the admin routes ----------------------------------------------------------------------------
def test_get_access_of_a_seller(admin_client, branch, other_branch):
    seller = make_seller(every_branch=False, branches=[branch, other_branch], email="zed@example.com")
    data = assert_ok(admin_client.get(access_url(seller.pk)), 200, "Seller access retrieved successfully")
    assert data == {
        "userId": str(seller.pk),
        "email": "zed@example.com",
        "allBranches": False,
        "branches": [
            {"id": str(other_branch.pk), "code": "ST", "name": "Store"},
            {"id": str(branch.pk), "code": "WH", "name": "Warehouse"},
        ],
        "grantedBy": None,
        "grantedAt": None,
    }


def test_grant_is_idempotent_and_removal_restores_the_assignments(admin_client, admin_user, branch):
    seller = make_seller(every_branch=False, branches=[branch])
    granted = assert_ok(
        admin_client.put(access_url(seller.pk, "/all-branches")), 200, "Seller granted access to every branch"
    )
    assert (granted["allBranches"], granted["branches"], granted["grantedBy"]) == (True, [], str(admin_user.pk))
    assert granted["grantedAt"]
    again = assert_ok(
        admin_client.put(access_url(seller.pk, "/all-branches")), 200, "Seller granted access to every branch"
    )
    assert again == granted  # unchanged
    assert SellerGrant.objects.count() == 1
    removed = assert_ok(
        admin_client.delete(access_url(seller.pk, "/all-branches")), 200, "Seller access to every branch removed"
    )
    assert (
        removed["allBranches"],
        [b["code"] for b in removed["branches"]],
        removed["grantedBy"],
        removed["grantedAt"],
    ) == (False, ["WH"], None, None)
    assert_error(admin_client.delete(access_url(seller.pk, "/all-branches")), 404, "GRANT_NOT_FOUND", "Grant not found")


@pytest.mark.parametrize("suffix", ["", "/all-branches"])
def test_access_routes_name_a_seller(admin_client, customer_user, admin_user, suffix):
    for method in ("PUT", "DELETE") if suffix else ("GET",):
        before = db_dump()
        assert_error(admin_client.generic(method, access_url(MISSING, suffix)), 404, "USER_NOT_FOUND", "User not found")
        for user in (customer_user, admin_user):
            assert_error(admin_client.generic(method, access_url(user.pk, suffix)), 400, *NOT_SELLER)
        assert db_dump() == before


def test_access_routes_are_admin_only(seller_client, pending_seller_client, customer_client, db):
    target = make_seller(every_branch=False)
    for client in (seller_client, pending_seller_client, customer_client):
        before = db_dump()
        for method, url in [
            ("GET", f"{BASE}/sellers"),
            ("GET", access_url(target.pk)),
            ("PUT", access_url(target.pk, "/all-branches")),
            ("DELETE", access_url(target.pk, "/all-branches")),
        ]:
            assert client.generic(method, url).status_code == 403
        assert db_dump() == before


def test_sellers_list_with_pending_access(admin_client, branch):
    granted = make_seller(email="b@example.com")
    assigned = make_seller(every_branch=False, branches=[branch], email="c@example.com")
    pending = make_seller(every_branch=False, email="a@example.com")
    make_user(RoleName.CUSTOMER, email="0@example.com")

    def listed(query=""):
        data = assert_ok(admin_client.get(f"{BASE}/sellers{query}"), 200, "Sellers retrieved successfully", meta=True)
        return [row["userId"] for row in data]

    assert listed() == [str(pending.pk), str(granted.pk), str(assigned.pk)]  # by e-mail
    assert listed("?pendingAccess=true") == [str(pending.pk)]
    assert listed("?pendingAccess=false") == [str(granted.pk), str(assigned.pk)]
    assert admin_client.get(f"{BASE}/sellers?pendingAccess=maybe").status_code == 400
    admin_client.put(access_url(pending.pk, "/all-branches"))
    assert listed("?pendingAccess=true") == []


# -- deleting a branch ---------------------------------------------------------------------------
def test_deleting_a_sellers_only_branch_leaves_it_without_access(admin_client, branch, other_branch):
    """§26 used to make such a seller unscoped (every branch) once its assignment cascaded away."""
    seller = make_seller(every_branch=False, branches=[branch])
    client = bearer_client(seller)
    assert client.get(f"{BASE}/stock-levels/branch/{branch.pk}").status_code == 200
    assert admin_client.delete(f"{BASE}/branches/{branch.pk}").status_code == 200
    assert not BranchAssignment.objects.exists()
    assert_error(
        client.get(f"{BASE}/stock-levels/branch/{other_branch.pk}"), 403, *DENIED, {"branchId": str(other_branch.pk)}
    )
    assert client.get(f"{BASE}/branches/mine").json()["data"] == []
    assert_error(client.post(f"{BASE}/categories", {"name": "X"}, format="json"), 403, *NO_ACCESS)


# -- balances of branches outside the seller's access (§35, the §8 row) -------------------------
def test_a_seller_never_sees_the_balance_of_a_branch_outside_its_access(admin_client, branch, other_branch, item):
    stock(item, branch, 10)
    transfer = {"inventoryItemId": str(item.pk), "movementType": "TRANSFER", "quantity": 3}
    transfer |= {"fromBranchId": str(branch.pk), "toBranchId": str(other_branch.pk)}
    created = admin_client.post(f"{BASE}/movements", transfer, format="json").json()["data"]
    assert (created["fromBalanceAfter"], created["toBalanceAfter"]) == (7, 3)  # admins see both
    at_from = bearer_client(make_seller(every_branch=False, branches=[branch]))
    at_to = bearer_client(make_seller(every_branch=False, branches=[other_branch]))
    everywhere = bearer_client(make_seller())
    for client, expected in ((at_from, (7, None)), (at_to, (None, 3)), (everywhere, (7, 3)), (admin_client, (7, 3))):
        one = client.get(f"{BASE}/movements/{created['id']}").json()["data"]
        [listed] = [m for m in client.get(f"{BASE}/movements").json()["data"] if m["id"] == created["id"]]
        by_branch = [
            m
            for m in client.get(f"{BASE}/movements?inventoryItemId={item.pk}").json()["data"]
            if m["id"] == created["id"]
        ]
        for row in (one, listed, *by_branch):
            assert (row["fromBalanceAfter"], row["toBalanceAfter"]) == expected


def test_a_sellers_create_and_replay_show_its_own_balances(branch, item):
    stock(item, branch, 10)
    client = bearer_client(make_seller(every_branch=False, branches=[branch]))
    out = {"inventoryItemId": str(item.pk), "movementType": "OUT", "quantity": 2, "fromBranchId": str(branch.pk)}
    first = client.post(f"{BASE}/movements", out, format="json", HTTP_IDEMPOTENCY_KEY="bal-1").json()["data"]
    again = client.post(f"{BASE}/movements", out, format="json", HTTP_IDEMPOTENCY_KEY="bal-1").json()["data"]
    assert (first["fromBalanceAfter"], first["toBalanceAfter"]) == (8, None)
    assert again == first
    assert StockMovement.objects.filter(reference_number=None, quantity=2).count() == 1


# -- the upgrade migration and the mail recipients -------------------------------------------------
def test_the_migration_grants_every_seller_without_assignments(branch):
    migration = importlib.import_module("inventory_app.migrations.0009_seller_grants")
    unassigned, _assigned = make_seller(every_branch=False), make_seller(every_branch=False, branches=[branch])
    already = make_seller()
    make_user(RoleName.CUSTOMER)
    make_user(RoleName.ADMIN)

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    SellerGrant.objects.filter(user=already).delete()  # as before the migration: no grants at all
    migration.grant_unassigned_sellers(django_apps, editor)
    assert set(SellerGrant.objects.values_list("user_id", flat=True)) == {unassigned.pk, already.pk}


def test_alert_mails_go_to_admins_and_sellers_with_access(branch, other_branch):
    """Every active admin, then every active seller with a grant or an assignment at the branch."""
    make_user(RoleName.ADMIN, email="boss@example.com")
    make_seller(email="all@example.com")
    make_seller(every_branch=False, branches=[branch], email="here@example.com")
    make_seller(every_branch=False, branches=[other_branch], email="there@example.com")
    make_seller(every_branch=False, email="pending@example.com")
    inactive = make_seller(email="gone@example.com")
    inactive.is_active = False
    inactive.save()
    recipients = staff_emails_for_branch(branch.pk)
    assert recipients[0] == "boss@example.com"
    assert sorted(recipients) == ["all@example.com", "boss@example.com", "here@example.com"]
