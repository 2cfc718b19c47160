"""Branch staff routes (docs/api.md §26): list, assign (idempotent), remove; the rules around them."""

from __future__ import annotations

import pytest

from auth_app.models import RoleName
from auth_app.services import user_delete
from inventory_app import services
from inventory_app.exceptions import AssignmentNotFound, BranchNotFound, InvalidAssignment, UserNotFound
from inventory_app.models import BranchAssignment
from tests.conftest import bearer_client
from tests.factories import make_branch, make_user
from tests.helpers import MISSING, TIMESTAMP_RE, assert_error, assert_ok
from tests.inventory_app.conftest import BASE

FIELDS = {"id", "branchId", "userId", "email", "firstName", "lastName", "createdBy", "createdAt"}


def staff_url(branch, user=None) -> str:
    url = f"{BASE}/branches/{getattr(branch, 'pk', branch)}/staff"
    return url if user is None else f"{url}/{getattr(user, 'pk', user)}"


@pytest.fixture
def seller(db):
    return make_user(RoleName.SELLER, email="zed@example.com", first_name="Zed", last_name="Seller")


def test_assign_list_and_remove(admin_client, branch, seller):
    other = make_user(RoleName.SELLER, email="amy@example.com", first_name="Amy", last_name="Seller")
    data = assert_ok(admin_client.put(staff_url(branch, seller)), 200, "Seller assigned to branch")
    assert set(data) == FIELDS
    assert (data["branchId"], data["userId"], data["email"], data["firstName"], data["lastName"]) == (
        str(branch.pk), str(seller.pk), "zed@example.com", "Zed", "Seller",
    )  # fmt: skip
    assert data["createdBy"] == str(admin_client.user.pk)
    assert TIMESTAMP_RE.match(data["createdAt"])
    admin_client.put(staff_url(branch, other))
    listed = assert_ok(admin_client.get(staff_url(branch)), 200, "Branch staff retrieved successfully", meta=True)
    assert [row["email"] for row in listed] == ["amy@example.com", "zed@example.com"]  # by e-mail
    assert listed[1] == data
    removed = assert_ok(admin_client.delete(staff_url(branch, seller)), 200, "Seller removed from branch")
    assert removed is None
    assert [row["email"] for row in admin_client.get(staff_url(branch)).json()["data"]] == ["amy@example.com"]


def test_assigning_twice_returns_the_existing_assignment_unchanged(admin_client, branch, seller):
    first = admin_client.put(staff_url(branch, seller)).json()["data"]
    other_admin = make_user(RoleName.ADMIN)
    again = assert_ok(bearer_client(other_admin).put(staff_url(branch, seller)), 200, "Seller assigned to branch")
    assert again == first  # same id, same createdBy
    assert BranchAssignment.objects.count() == 1


def test_assign_checks_branch_then_user_then_role(admin_client, branch, seller, customer_user):
    assert_error(
        admin_client.put(staff_url(MISSING, MISSING)), 404, "BRANCH_NOT_FOUND", f"Branch not found with id: {MISSING}"
    )
    assert_error(admin_client.put(staff_url(branch, MISSING)), 404, "USER_NOT_FOUND", "User not found")
    message = "Only sellers can be assigned to branches"
    assert_error(admin_client.put(staff_url(branch, customer_user)), 400, "INVALID_ASSIGNMENT", message)
    assert_error(admin_client.put(staff_url(branch, admin_client.user)), 400, "INVALID_ASSIGNMENT", message)
    assert not BranchAssignment.objects.exists()


def test_staff_of_an_unknown_branch_is_404(admin_client):
    assert_error(admin_client.get(staff_url(MISSING)), 404, "BRANCH_NOT_FOUND", f"Branch not found with id: {MISSING}")


def test_removing_a_missing_assignment_is_404(admin_client, branch, seller):
    assert_error(admin_client.delete(staff_url(branch, seller)), 404, "ASSIGNMENT_NOT_FOUND", "Assignment not found")
    assert_error(admin_client.delete(staff_url(MISSING, MISSING)), 404, "ASSIGNMENT_NOT_FOUND", "Assignment not found")


def test_path_ids_are_validated(admin_client, branch):
    assert_error(admin_client.put(staff_url(branch, "nope")), 400, "BAD_REQUEST", "Invalid UUID: nope")
    assert_error(admin_client.get(staff_url("x1")), 400, "BAD_REQUEST", "Invalid UUID: x1")


def test_put_takes_no_body(admin_client, branch, seller):
    """No body is parsed: a non-JSON body is neither a 415 nor a 400."""
    response = admin_client.generic("PUT", staff_url(branch, seller), "not json", content_type="text/plain")
    assert response.status_code == 200


def test_deleting_a_user_deletes_its_assignments(branch, seller):
    services.assignment_create(branch_id=branch.pk, user_id=seller.pk, created_by=None)
    user_delete(user_id=seller.pk)
    assert not BranchAssignment.objects.exists()


def test_deleting_a_branch_deletes_its_assignments(admin_client, seller):
    empty = make_branch("EMPTY")
    services.assignment_create(branch_id=empty.pk, user_id=seller.pk, created_by=None)
    assert admin_client.delete(f"{BASE}/branches/{empty.pk}").status_code == 200
    assert not BranchAssignment.objects.exists()


# -- the services, called directly ------------------------------------------------------------
def test_assignment_services(branch, seller, customer_user):
    assignment, created = services.assignment_create(branch_id=branch.pk, user_id=seller.pk, created_by=None)
    assert created
    again, created = services.assignment_create(branch_id=branch.pk, user_id=seller.pk, created_by=seller.pk)
    assert (again.pk, again.created_by, created) == (assignment.pk, None, False)
    with pytest.raises(InvalidAssignment):
        services.assignment_create(branch_id=branch.pk, user_id=customer_user.pk, created_by=None)
    with pytest.raises(UserNotFound):
        services.assignment_create(branch_id=branch.pk, user_id=MISSING, created_by=None)
    with pytest.raises(BranchNotFound):
        services.assignment_create(branch_id=MISSING, user_id=seller.pk, created_by=None)
    services.assignment_delete(branch_id=branch.pk, user_id=seller.pk)
    with pytest.raises(AssignmentNotFound):
        services.assignment_delete(branch_id=branch.pk, user_id=seller.pk)


def test_options_describes_the_staff_routes_to_admins_only(admin_client, seller_client, branch, seller):
    assert admin_client.options(staff_url(branch)).status_code == 200
    assert seller_client.options(staff_url(branch)).status_code == 403
    assert seller_client.options(staff_url(branch, seller)).status_code == 403
    assert seller_client.options(f"{BASE}/branches/mine").status_code == 200
