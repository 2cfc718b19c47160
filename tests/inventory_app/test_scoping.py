"""Seller access (docs/api.md §26, §36), as a matrix built from the OpenAPI schema.

Every stock route of the schema (movements, stock levels, reservations, transfers, stock alerts,
``branches/mine``) × five callers: an admin, a seller with an all-branches grant, a seller assigned
to branch A acting on a row at A ("at") or at B ("not at"), and a seller without any access (no
grant, no assignment: treated like "not at" everywhere; it used to act on every branch).
``test_matrix_covers_every_stock_route`` fails when a stock route is added without a case. Every
refused write leaves every row of both apps as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from auth_app.models import RoleName
from inventory_app import services
from inventory_app.models import AlertStatus, BranchAssignment, SellerGrant, StockAlert, StockMovement
from tests.conftest import bearer_client
from tests.factories import make_branch, make_item, make_seller, make_user, stock
from tests.helpers import assert_error
from tests.security.conftest import db_dump, schema_operations, send

INV = "/api/v1/inventory"
STOCK_PREFIXES = ("/movements", "/stock-levels", "/reservations", "/transfers", "/stock-alerts", "/branches/mine")
DENIED = ("BRANCH_ACCESS_DENIED", "You are not assigned to this branch")


@dataclass
class Place:
    """The rows of one branch a request can address (created at A and at B)."""

    branch: Any
    movement: Any  # the opening IN of the item at this branch
    reservation: Any  # ACTIVE, 2 units
    outgoing: Any  # transfer from this branch to C (cancel needs this branch)
    incoming: Any  # transfer from C to this branch (receive needs this branch)
    alert: Any  # OPEN: the low item at this branch


@dataclass
class World:
    item: Any
    low: Any
    places: dict[str, Place]
    clients: dict[str, Any]


def _place(branch, item, low, elsewhere, admin) -> Place:
    stock(item, branch, 40)
    stock(item, elsewhere, 40) if not item.stock_levels.filter(branch=elsewhere).exists() else None
    stock(low, branch, 3)  # at or below the reorder level of 5: an OPEN alert
    movement = StockMovement.objects.get(inventory_item=item, to_branch=branch)
    reservation = services.reservation_create(
        inventory_item_id=item.pk, branch_id=branch.pk, quantity=2, created_by=admin.pk
    )

    def dispatch(src, dst):
        lines = [{"inventory_item_id": item.pk, "quantity": 1}]
        return services.transfer_dispatch(from_branch_id=src.pk, to_branch_id=dst.pk, lines=lines, dispatched_by=None)

    return Place(
        branch,
        movement,
        reservation,
        dispatch(branch, elsewhere),
        dispatch(elsewhere, branch),
        StockAlert.objects.get(inventory_item=low, branch=branch, status=AlertStatus.OPEN),
    )


@pytest.fixture
def world(db) -> World:
    admin = make_user(RoleName.ADMIN)
    seller, scoped, pending = make_seller(), make_seller(every_branch=False), make_seller(every_branch=False)
    a, b, c = make_branch("A", "Alpha"), make_branch("B", "Bravo"), make_branch("C", "Charlie")
    BranchAssignment.objects.create(user=scoped, branch=a)
    item, low = make_item("SKU-1"), make_item("LOW-1", reorder_level=5)
    places = {"A": _place(a, item, low, c, admin), "B": _place(b, item, low, c, admin)}
    clients = {
        "admin": bearer_client(admin),
        "seller": bearer_client(seller),
        "scoped": bearer_client(scoped),
        "pending": bearer_client(pending),
    }
    return World(item, low, places, clients)


# -- the matrix: per route, the request at a place and the status per caller --------------------
# (admin, unscoped seller, scoped seller at A acting at A, scoped seller at A acting at B)
@dataclass(frozen=True)
class Case:
    key: str  # "METHOD /path" as in the schema
    request: Any  # (world, place) -> (method, url, body)
    statuses: tuple[int, int, int, int]
    refusal: tuple[str, ...] | None = None  # (code, message) of the "not at" refusal


def body_movement(w, p):
    return {"inventoryItemId": str(w.item.pk), "movementType": "OUT", "quantity": 1, "fromBranchId": str(p.branch.pk)}


def body_reservation(w, p):
    return {"inventoryItemId": str(w.item.pk), "branchId": str(p.branch.pk), "quantity": 1}


def body_transfer(w, p):
    other = w.places["B" if p is w.places["A"] else "A"].branch
    return {
        "fromBranchId": str(p.branch.pk),
        "toBranchId": str(other.pk),
        "lines": [{"inventoryItemId": str(w.item.pk), "quantity": 1}],
    }


OK_AT_ONLY = (200, 200, 200, 404)
CASES = [
    Case("GET /movements", lambda w, p: ("GET", f"{INV}/movements?branchId={p.branch.pk}", None), (200,) * 4),
    Case(
        "POST /movements", lambda w, p: ("POST", f"{INV}/movements", body_movement(w, p)), (201, 201, 201, 403), DENIED
    ),
    Case("GET /movements/{id}", lambda w, p: ("GET", f"{INV}/movements/{p.movement.pk}", None), OK_AT_ONLY),
    Case(
        "GET /stock-levels/branch/{branchId}",
        lambda w, p: ("GET", f"{INV}/stock-levels/branch/{p.branch.pk}", None),
        (200, 200, 200, 403),
        DENIED,
    ),
    Case(
        "GET /stock-levels/low-stock",
        lambda w, p: ("GET", f"{INV}/stock-levels/low-stock?branchId={p.branch.pk}", None),
        (200, 200, 200, 403),
        DENIED,
    ),
    Case("GET /reservations", lambda w, p: ("GET", f"{INV}/reservations?branchId={p.branch.pk}", None), (200,) * 4),
    Case(
        "POST /reservations",
        lambda w, p: ("POST", f"{INV}/reservations", body_reservation(w, p)),
        (201, 201, 201, 403),
        DENIED,
    ),
    Case("GET /reservations/{id}", lambda w, p: ("GET", f"{INV}/reservations/{p.reservation.pk}", None), OK_AT_ONLY),
    Case(
        "POST /reservations/{id}/release",
        lambda w, p: ("POST", f"{INV}/reservations/{p.reservation.pk}/release", None),
        OK_AT_ONLY,
    ),
    Case(
        "POST /reservations/{id}/commit",
        lambda w, p: ("POST", f"{INV}/reservations/{p.reservation.pk}/commit", None),
        OK_AT_ONLY,
    ),
    Case("GET /transfers", lambda w, p: ("GET", f"{INV}/transfers?branchId={p.branch.pk}", None), (200,) * 4),
    Case(
        "POST /transfers", lambda w, p: ("POST", f"{INV}/transfers", body_transfer(w, p)), (201, 201, 201, 403), DENIED
    ),
    Case("GET /transfers/{id}", lambda w, p: ("GET", f"{INV}/transfers/{p.outgoing.pk}", None), OK_AT_ONLY),
    Case(
        "POST /transfers/{id}/receive",
        lambda w, p: ("POST", f"{INV}/transfers/{p.incoming.pk}/receive", None),
        OK_AT_ONLY,
    ),
    Case(
        "POST /transfers/{id}/cancel",
        lambda w, p: ("POST", f"{INV}/transfers/{p.outgoing.pk}/cancel", None),
        OK_AT_ONLY,
    ),
    Case(
        "GET /stock-alerts",
        lambda w, p: ("GET", f"{INV}/stock-alerts?branchId={p.branch.pk}", None),
        (200, 200, 200, 403),
        DENIED,
    ),
    Case("GET /stock-alerts/{id}", lambda w, p: ("GET", f"{INV}/stock-alerts/{p.alert.pk}", None), OK_AT_ONLY),
    Case("GET /branches/mine", lambda w, p: ("GET", f"{INV}/branches/mine", None), (200,) * 4),
]
CALLERS = (("admin", "B"), ("seller", "B"), ("scoped", "A"), ("scoped", "B"), ("pending", "A"))
REFUSED = {("scoped", "B"), ("pending", "A")}  # outside the caller's branches
MATRIX = [(case, index) for case in CASES for index in range(len(CALLERS))]
IDS = [f"{case.key}:{CALLERS[i][0]}@{CALLERS[i][1]}" for case, i in MATRIX]


def test_matrix_covers_every_stock_route():
    stock_routes = {
        f"{op.method} {op.path.removeprefix(INV)}"
        for op in schema_operations()
        if op.path.startswith(INV) and op.path.removeprefix(INV).startswith(STOCK_PREFIXES)
    }
    assert stock_routes == {case.key for case in CASES}


@pytest.mark.parametrize(("case", "index"), MATRIX, ids=IDS)
def test_scoping_matrix(world, case, index):
    caller, where = CALLERS[index]
    method, url, body = case.request(world, world.places[where])
    expected = case.statuses[min(index, 3)]  # the seller without access: as "not at"
    before = db_dump() if method != "GET" else None
    response = send(world.clients[caller], method, url, body)
    assert response.status_code == expected, (caller, where, response.content[:500])
    answer = response.json()
    if expected == 403:
        assert_error(response, 403, *case.refusal, {"branchId": str(world.places[where].branch.pk)})
    if expected == 404:
        assert answer["error"]["code"].endswith("_NOT_FOUND")
    if expected >= 400 and before is not None:
        assert db_dump() == before  # a refused write leaves no trace
    if expected == 200 and method == "GET" and isinstance(answer["data"], list) and "branchId=" in url:
        rows = answer["data"]
        visible = (caller, where) not in REFUSED
        assert bool(rows) == visible, (caller, where, rows)  # filtered, not leaked


# -- the rules around the matrix ---------------------------------------------------------------
def test_a_scoped_sellers_lists_show_only_its_branches(world):
    a, b = world.places["A"], world.places["B"]
    client = world.clients["scoped"]
    movements = client.get(f"{INV}/movements").json()["data"]
    assert movements
    assert all(str(a.branch.pk) in (m["fromBranchId"], m["toBranchId"]) for m in movements)
    assert {r["id"] for r in client.get(f"{INV}/reservations").json()["data"]} == {str(a.reservation.pk)}
    transfers = {t["id"] for t in client.get(f"{INV}/transfers").json()["data"]}
    assert transfers == {str(a.outgoing.pk), str(a.incoming.pk)}
    assert {x["id"] for x in client.get(f"{INV}/stock-alerts").json()["data"]} == {str(a.alert.pk)}
    low = client.get(f"{INV}/stock-levels/low-stock").json()["data"]
    assert {row["branchId"] for row in low} == {str(a.branch.pk)}
    everything = world.clients["seller"].get(f"{INV}/stock-alerts").json()["meta"]["total"]
    assert everything == 2  # the seller with an all-branches grant: every branch
    assert b.alert.pk  # (B's alert exists; the scoped seller just cannot see it)


def test_receive_needs_the_to_branch_and_cancel_the_from_branch(world):
    """A transfer touching A is visible (no 404) but acting on the other side is a 403."""
    a = world.places["A"]
    client = world.clients["scoped"]
    c_id = str(a.outgoing.to_branch_id)
    before = db_dump()
    assert_error(client.post(f"{INV}/transfers/{a.outgoing.pk}/receive"), 403, *DENIED, {"branchId": c_id})
    assert_error(client.post(f"{INV}/transfers/{a.incoming.pk}/cancel"), 403, *DENIED, {"branchId": c_id})
    assert db_dump() == before
    assert client.post(f"{INV}/transfers/{a.incoming.pk}/receive").status_code == 200
    assert client.post(f"{INV}/transfers/{a.outgoing.pk}/cancel").status_code == 200


def test_dispatch_is_scoped_on_the_from_branch_only(world):
    a, b = world.places["A"], world.places["B"]
    client = world.clients["scoped"]
    lines = [{"inventoryItemId": str(world.item.pk), "quantity": 1}]
    body = {"fromBranchId": str(a.branch.pk), "toBranchId": str(b.branch.pk), "lines": lines}
    assert client.post(f"{INV}/transfers", body, format="json").status_code == 201  # to B: allowed


def test_movement_names_the_first_offending_branch_from_first(world):
    a, b = world.places["A"], world.places["B"]
    c = world.places["A"].outgoing.to_branch_id
    client = world.clients["scoped"]

    def transfer(src, dst):
        body = {"inventoryItemId": str(world.item.pk), "movementType": "TRANSFER", "quantity": 1}
        return client.post(
            f"{INV}/movements", {**body, "fromBranchId": str(src), "toBranchId": str(dst)}, format="json"
        )

    assert_error(transfer(b.branch.pk, c), 403, *DENIED, {"branchId": str(b.branch.pk)})
    assert_error(transfer(a.branch.pk, b.branch.pk), 403, *DENIED, {"branchId": str(b.branch.pk)})
    assert transfer(a.branch.pk, a.branch.pk).json()["error"]["code"] == "INVALID_MOVEMENT"  # branch rules first
    # an IN names only a TO branch; a FROM branch it names (stored, no effect) must be assigned too
    body = {"inventoryItemId": str(world.item.pk), "movementType": "IN", "quantity": 1, "toBranchId": str(a.branch.pk)}
    assert client.post(f"{INV}/movements", body, format="json").status_code == 201
    refused = client.post(f"{INV}/movements", {**body, "fromBranchId": str(c)}, format="json")
    assert_error(refused, 403, *DENIED, {"branchId": str(c)})


def test_existence_comes_before_scoping_and_scoping_before_availability(world):
    from tests.helpers import MISSING

    client = world.clients["scoped"]
    b = world.places["B"].branch
    out = {"inventoryItemId": MISSING, "movementType": "OUT", "quantity": 1, "fromBranchId": str(b.pk)}
    assert client.post(f"{INV}/movements", out, format="json").json()["error"]["code"] == "ITEM_NOT_FOUND"
    out = {**out, "inventoryItemId": str(world.item.pk), "quantity": 10_000}
    assert client.post(f"{INV}/movements", out, format="json").json()["error"]["code"] == "BRANCH_ACCESS_DENIED"
    reserve = {"inventoryItemId": str(world.item.pk), "branchId": MISSING, "quantity": 1}
    assert client.post(f"{INV}/reservations", reserve, format="json").json()["error"]["code"] == "BRANCH_NOT_FOUND"
    assert client.get(f"{INV}/stock-levels/branch/{MISSING}").json()["error"]["code"] == "BRANCH_NOT_FOUND"
    lines = [{"inventoryItemId": MISSING, "quantity": 1}]
    transfer = {"fromBranchId": str(b.pk), "toBranchId": str(world.places["A"].branch.pk), "lines": lines}
    assert client.post(f"{INV}/transfers", transfer, format="json").json()["error"]["code"] == "BRANCH_ACCESS_DENIED"


def test_access_changes_take_effect_at_once_and_fail_closed(world):
    """Removing a seller's last assignment leaves it with no branch (it used to act everywhere);
    a grant opens every branch; removing the grant closes them again (docs/api.md §36)."""
    client, a, b = world.clients["scoped"], world.places["A"].branch, world.places["B"].branch
    assert client.get(f"{INV}/stock-levels/branch/{a.pk}").status_code == 200
    assert client.get(f"{INV}/stock-levels/branch/{b.pk}").status_code == 403
    BranchAssignment.objects.all().delete()
    assert_error(client.get(f"{INV}/stock-levels/branch/{a.pk}"), 403, *DENIED, {"branchId": str(a.pk)})
    mine = client.get(f"{INV}/branches/mine").json()
    assert (mine["data"], mine["meta"]["scoped"], mine["meta"]["total"]) == ([], True, 0)
    SellerGrant.objects.create(user=client.user)
    assert client.get(f"{INV}/stock-levels/branch/{b.pk}").status_code == 200
    mine = client.get(f"{INV}/branches/mine").json()
    assert (mine["meta"]["scoped"], mine["meta"]["total"]) == (False, 3)
    SellerGrant.objects.all().delete()
    assert client.get(f"{INV}/stock-levels/branch/{b.pk}").status_code == 403


@pytest.mark.parametrize(
    ("path", "body"),
    [("/movements", body_movement), ("/reservations", body_reservation), ("/transfers", body_transfer)],
)
def test_an_idempotent_replay_checks_scoping_before_the_key(world, path, body):
    """The same key replays for an assigned seller, and is refused once the assignment is gone."""
    a = world.places["A"]
    scoped = world.clients["scoped"]
    payload = body(world, a)
    first = scoped.post(f"{INV}{path}", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    again = scoped.post(f"{INV}{path}", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    BranchAssignment.objects.filter(branch=a.branch).delete()
    BranchAssignment.objects.create(user=scoped.user, branch=world.places["B"].branch)  # still scoped, not at A
    before = db_dump()
    refused = scoped.post(f"{INV}{path}", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert_error(refused, 403, *DENIED, {"branchId": str(a.branch.pk)})
    assert "Idempotent-Replayed" not in refused
    assert db_dump() == before


def test_mine_lists_the_callers_branches_by_code(world):
    admin = world.clients["admin"].get(f"{INV}/branches/mine").json()
    assert ([b["code"] for b in admin["data"]], admin["meta"]["scoped"]) == (["A", "B", "C"], False)
    assert admin["meta"]["total"] == 3
    scoped = world.clients["scoped"].get(f"{INV}/branches/mine", {"limit": 1}).json()
    assert scoped["message"] == "Branches retrieved successfully"
    assert ([b["code"] for b in scoped["data"]], scoped["meta"]) == (
        ["A"],
        {"total": 1, "limit": 1, "offset": 0, "page": 1, "pageSize": 1, "totalPages": 1, "scoped": True},
    )


def test_admins_are_never_scoped(world):
    """Even an admin account with an assignment row (made behind the API's back) sees everything."""
    admin = world.clients["admin"]
    BranchAssignment.objects.create(user=admin.user, branch=world.places["A"].branch)
    b = world.places["B"].branch
    assert admin.get(f"{INV}/stock-levels/branch/{b.pk}").status_code == 200
    assert admin.get(f"{INV}/branches/mine").json()["meta"]["scoped"] is False
