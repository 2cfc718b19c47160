"""The back office for Part II: transfers dispatched, received (short lines allowed) and cancelled
through the services; stock alerts read-only; sellers' branch assignments on the branch page and on
the seller's user page, saved through the assignment services."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from auth_app.models import RoleName
from inventory_app import services
from inventory_app.models import BranchAssignment, StockAlert, StockLevel, StockTransfer, TransferStatus
from tests.factories import make_branch, make_item, make_user, stock

ADMIN = "/admin/inventory_app"


@pytest.fixture
def staff(db):
    client = Client()
    client.force_login(make_user(RoleName.ADMIN))
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def goods(branch):
    items = [make_item("A-1", "Apple", reorder_level=5), make_item("B-1", "Banana", reorder_level=5)]
    for item in items:
        stock(item, branch, 10)
    return items


def dispatch_form(src, dst, lines, **extra) -> dict:
    data = {
        "from_branch": str(src.pk),
        "to_branch": str(dst.pk),
        "reference_number": "ADM-1",
        "notes": "",
        "lines-TOTAL_FORMS": "5",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "100",
        **extra,
    }
    for i, (item, quantity) in enumerate(lines):
        data[f"lines-{i}-inventory_item"] = str(item.pk)
        data[f"lines-{i}-quantity"] = str(quantity)
    return data


def quantity(item, branch):
    row = StockLevel.objects.filter(inventory_item=item, branch=branch).first()
    return None if row is None else row.quantity


# -- transfers --------------------------------------------------------------------------------
def test_dispatch_receive_short_and_see_the_result(staff, goods, branch, other_branch):
    changelist = staff.get(f"{ADMIN}/stocktransfer/")
    assert "Dispatch transfer" in changelist.content.decode()
    response = staff.post(
        f"{ADMIN}/stocktransfer/dispatch/", dispatch_form(branch, other_branch, [(goods[0], 4), (goods[1], 6)])
    )
    transfer = StockTransfer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{ADMIN}/stocktransfer/{transfer.pk}/change/"
    assert (transfer.status, transfer.reference_number, quantity(goods[1], branch)) == ("IN_TRANSIT", "ADM-1", 4)
    assert StockAlert.objects.filter(inventory_item=goods[1], branch=branch, status="OPEN").exists()  # 4 <= 5
    page = staff.get(f"{ADMIN}/stocktransfer/{transfer.pk}/change/").content.decode()
    assert "Receive…" in page and "Cancel transfer…" in page  # noqa: PT018
    form = staff.get(f"{ADMIN}/stocktransfer/{transfer.pk}/receive/").content.decode()
    assert "A-1 — Apple (shipped 4)" in form
    response = staff.post(
        f"{ADMIN}/stocktransfer/{transfer.pk}/receive/", {str(goods[0].pk): "4", str(goods[1].pk): "5"}, follow=True
    )
    assert "Transfer received (1 unit(s) short)." in messages_of(response)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED
    assert [(line.received_quantity, line.short_quantity) for line in transfer.lines.order_by("id")] == [(4, 0), (5, 1)]
    assert (quantity(goods[0], other_branch), quantity(goods[1], other_branch)) == (4, 5)
    assert "Receive…" not in staff.get(f"{ADMIN}/stocktransfer/{transfer.pk}/change/").content.decode()


def test_dispatch_form_errors(staff, goods, branch, other_branch):
    url = f"{ADMIN}/stocktransfer/dispatch/"
    short = staff.post(url, dispatch_form(branch, other_branch, [(goods[0], 11)]))
    assert "Insufficient stock: available 10, requested 11" in short.content.decode()
    same = staff.post(url, dispatch_form(branch, branch, [(goods[0], 1)]))
    assert "FROM and TO branches must differ" in same.content.decode()
    empty = staff.post(url, dispatch_form(branch, other_branch, []))
    assert "Add at least one line." in empty.content.decode()
    twice = staff.post(url, dispatch_form(branch, other_branch, [(goods[0], 1), (goods[0], 2)]))
    assert "Each item may appear only once." in twice.content.decode()
    assert not StockTransfer.objects.exists()


def test_receive_beyond_the_shipped_quantity_is_a_form_error(staff, goods, branch, other_branch):
    lines = [{"inventory_item_id": goods[0].pk, "quantity": 2}]
    transfer = services.transfer_dispatch(
        from_branch_id=branch.pk, to_branch_id=other_branch.pk, lines=lines, dispatched_by=None
    )
    response = staff.post(f"{ADMIN}/stocktransfer/{transfer.pk}/receive/", {str(goods[0].pk): "3"})
    assert response.status_code == 200
    assert StockTransfer.objects.get().status == TransferStatus.IN_TRANSIT


def test_cancel_page_and_a_second_cancel(staff, goods, branch, other_branch):
    lines = [{"inventory_item_id": goods[0].pk, "quantity": 3}]
    transfer = services.transfer_dispatch(
        from_branch_id=branch.pk, to_branch_id=other_branch.pk, lines=lines, dispatched_by=None
    )
    url = f"{ADMIN}/stocktransfer/{transfer.pk}/cancel/"
    assert "Every unit returns to Warehouse" in staff.get(url).content.decode()
    response = staff.post(url, follow=True)
    assert "Transfer cancelled: every unit is back at the from branch." in messages_of(response)
    assert quantity(goods[0], branch) == 10
    again = staff.post(url)
    assert "Transfer is not in transit (status: CANCELLED)" in again.content.decode()


def test_changelist_actions_receive_in_full_and_cancel(staff, goods, branch, other_branch):
    lines = [{"inventory_item_id": goods[0].pk, "quantity": 1}]
    first, second, third = (
        services.transfer_dispatch(
            from_branch_id=branch.pk, to_branch_id=other_branch.pk, lines=lines, dispatched_by=None
        )
        for _ in range(3)
    )
    response = staff.post(
        f"{ADMIN}/stocktransfer/",
        {"action": "receive_in_full", "_selected_action": [str(first.pk), str(second.pk)]},
        follow=True,
    )
    assert "Received 2 transfer(s)." in messages_of(response)
    response = staff.post(
        f"{ADMIN}/stocktransfer/",
        {"action": "cancel_selected", "_selected_action": [str(second.pk), str(third.pk)]},
        follow=True,
    )
    assert "Cancelled 1 transfer(s)." in messages_of(response)  # the received one is skipped
    statuses = dict(StockTransfer.objects.values_list("pk", "status"))
    assert [statuses[t.pk] for t in (first, second, third)] == ["RECEIVED", "RECEIVED", "CANCELLED"]
    assert (quantity(goods[0], branch), quantity(goods[0], other_branch)) == (8, 2)


def test_transfers_and_alerts_are_read_only_rows(staff, goods, branch, other_branch):
    lines = [{"inventory_item_id": goods[0].pk, "quantity": 6}]
    transfer = services.transfer_dispatch(
        from_branch_id=branch.pk, to_branch_id=other_branch.pk, lines=lines, dispatched_by=None
    )
    alert = StockAlert.objects.get()
    assert staff.get(f"{ADMIN}/stocktransfer/add/").status_code == 403
    assert staff.post(f"{ADMIN}/stocktransfer/{transfer.pk}/change/", {"status": "RECEIVED"}).status_code == 403
    assert staff.get(f"{ADMIN}/stockalert/add/").status_code == 403
    assert staff.get(f"{ADMIN}/stockalert/{alert.pk}/change/").status_code == 200
    listing = staff.get(f"{ADMIN}/stockalert/", {"status__exact": "OPEN"}).content.decode()
    assert "A-1 — Apple" in listing


def test_the_dashboard_shows_open_alerts_and_transfers_in_transit(staff, goods, branch, other_branch):
    lines = [{"inventory_item_id": goods[0].pk, "quantity": 6}]
    services.transfer_dispatch(from_branch_id=branch.pk, to_branch_id=other_branch.pk, lines=lines, dispatched_by=None)
    page = staff.get("/admin/").content.decode()
    assert 'id="panel-open_alerts"' in page and "Open stock alerts</a> (1)" in page  # noqa: PT018
    assert 'id="panel-transfers_in_transit"' in page and "Warehouse" in page  # noqa: PT018


# -- assignments ------------------------------------------------------------------------------
def branch_form(branch, rows: list[dict], initial: int = 0) -> dict:
    data = {
        "name": branch.name,
        "is_active": "on",
        "assignments-TOTAL_FORMS": str(len(rows)),
        "assignments-INITIAL_FORMS": str(initial),
    }
    for i, row in enumerate(rows):
        data.update({f"assignments-{i}-{key}": value for key, value in row.items()})
    return data


def test_branch_page_assigns_and_removes_sellers_through_the_service(staff, branch):
    seller = make_user(RoleName.SELLER, email="sam@example.com")
    customer = make_user(RoleName.CUSTOMER)
    page = staff.get(f"{ADMIN}/branch/{branch.pk}/change/").content.decode()
    assert "Assigned sellers" in page
    assert "sam@example.com" in page  # a seller can be picked ...
    assert str(customer.pk) not in page  # ... a customer cannot
    url = f"{ADMIN}/branch/{branch.pk}/change/"
    response = staff.post(url, branch_form(branch, [{"user": str(seller.pk), "branch": str(branch.pk)}]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assignment = BranchAssignment.objects.get()
    assert (assignment.user_id, assignment.branch_id) == (seller.pk, branch.pk)
    assert assignment.created_by is not None  # the admin who assigned
    rows = [{"id": str(assignment.pk), "user": str(seller.pk), "branch": str(branch.pk), "DELETE": "on"}]
    response = staff.post(url, branch_form(branch, rows, initial=1))
    assert response.status_code == 302
    assert not BranchAssignment.objects.exists()


def test_seller_page_shows_and_edits_its_branches(staff, branch, other_branch):
    seller = make_user(RoleName.SELLER)
    services.assignment_create(branch_id=branch.pk, user_id=seller.pk, created_by=None)
    page = staff.get(f"/admin/auth_app/user/{seller.pk}/change/").content.decode()
    assert "Assigned branches" in page
    assert "WH — Warehouse" in page
    customer = make_user(RoleName.CUSTOMER)
    assert "Assigned branches" not in staff.get(f"/admin/auth_app/user/{customer.pk}/change/").content.decode()


def test_an_assignment_saved_from_the_seller_page_goes_through_the_service(staff, branch, other_branch, monkeypatch):
    from inventory_app.admin import assignments

    seller = make_user(RoleName.SELLER)
    calls = []
    real = services.assignment_create
    monkeypatch.setattr(assignments.services, "assignment_create", lambda **kw: calls.append(kw) or real(**kw))
    formset = assignments.SellerBranchesInline(type(seller), staff_site()).get_formset(fake_request(), seller)
    data = {
        "branch_assignments-TOTAL_FORMS": "1",
        "branch_assignments-INITIAL_FORMS": "0",
        "branch_assignments-0-branch": str(other_branch.pk),
    }
    bound = formset(data, instance=seller, prefix="branch_assignments")
    assert bound.is_valid(), bound.errors
    bound.save()
    assert [(c["branch_id"], c["user_id"]) for c in calls] == [(other_branch.pk, seller.pk)]
    assert BranchAssignment.objects.filter(user=seller, branch=other_branch).exists()


def test_the_seller_page_grants_and_removes_every_branch_through_the_service(staff, branch):
    """docs/api.md §36: the back office grants or removes the all-branches grant on the seller's
    page; both are the services' (audited) changes; the user page of a customer has no grant box."""
    from inventory_app.models import SellerGrant

    seller = make_user(RoleName.SELLER)
    url = f"/admin/auth_app/user/{seller.pk}/change/"
    page = staff.get(url).content.decode()
    assert "All-branches grant" in page
    customer = make_user(RoleName.CUSTOMER)
    assert "All-branches grant" not in staff.get(f"/admin/auth_app/user/{customer.pk}/change/").content.decode()
    form = staff.get(url).context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None and not isinstance(value, list)}
    data |= _inline_management(staff.get(url))
    data["seller_grant-0-grant"] = "on"
    response = staff.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    grant = SellerGrant.objects.get()
    assert (grant.user_id, grant.granted_by is not None) == (seller.pk, True)
    data = {key: value for key, value in form.initial.items() if value is not None and not isinstance(value, list)}
    data |= _inline_management(staff.get(url))
    data |= {"seller_grant-0-user": str(seller.pk), "seller_grant-0-DELETE": "on"}
    response = staff.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not SellerGrant.objects.exists()


def _inline_management(response) -> dict:
    """The management forms of every inline formset of a change page, as rendered."""
    data = {}
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data |= {management.add_prefix(name): value for name, value in management.initial.items()}
    return data


def staff_site():
    from django.contrib import admin

    return admin.site


def fake_request():
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = make_user(RoleName.ADMIN)
    return request


def test_an_unused_branch_with_assignments_can_still_be_deleted(staff):
    empty = make_branch("EMPTY")
    services.assignment_create(branch_id=empty.pk, user_id=make_user(RoleName.SELLER).pk, created_by=None)
    response = staff.post(f"{ADMIN}/branch/{empty.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not BranchAssignment.objects.exists()


def page_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_assignment_inlines_cost_the_same_for_2_or_30_rows(staff, branch):
    seller = make_user(RoleName.SELLER)
    branches = [make_branch(f"X-{i:02}") for i in range(30)]
    sellers = [make_user(RoleName.SELLER) for _ in range(30)]
    for b in branches[:2]:
        services.assignment_create(branch_id=b.pk, user_id=seller.pk, created_by=None)
    for s in sellers[:2]:
        services.assignment_create(branch_id=branch.pk, user_id=s.pk, created_by=None)
    small = (
        page_queries(staff, f"/admin/auth_app/user/{seller.pk}/change/"),
        page_queries(staff, f"{ADMIN}/branch/{branch.pk}/change/"),
    )
    for b in branches[2:]:
        services.assignment_create(branch_id=b.pk, user_id=seller.pk, created_by=None)
    for s in sellers[2:]:
        services.assignment_create(branch_id=branch.pk, user_id=s.pk, created_by=None)
    large = (
        page_queries(staff, f"/admin/auth_app/user/{seller.pk}/change/"),
        page_queries(staff, f"{ADMIN}/branch/{branch.pk}/change/"),
    )
    assert small == large
