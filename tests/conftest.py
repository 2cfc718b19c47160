"""Shared fixtures: roles, users of each role, and an API client per role."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from auth_app.models import RoleName
from auth_app.tokens import issue_access_token
from inventory_app.models import SellerGrant
from tests.factories import ensure_roles, make_user

DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


@pytest.fixture(autouse=True)
def _roles(request):
    """Every database test starts with the three roles (a transactional test's flush removes them)."""
    requested = DB_FIXTURES & set(request.fixturenames)
    if not (requested or request.node.get_closest_marker("django_db")):
        return
    for name in ("transactional_db", "db", "live_server"):
        if name in requested:
            request.getfixturevalue(name)  # database access first, then the roles
            break
    ensure_roles()


def bearer_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(user)}")
    client.user = user
    return client


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def admin_user(db):
    return make_user(RoleName.ADMIN, first_name="Ada", last_name="Admin")


@pytest.fixture
def seller_user(db):
    """A seller with an all-branches grant (docs/api.md §36): it acts on every branch."""
    user = make_user(RoleName.SELLER, first_name="Sam", last_name="Seller")
    SellerGrant.objects.create(user=user)
    return user


@pytest.fixture
def pending_seller_user(db):
    """A seller without any grant or assignment: it acts on no branch (docs/api.md §36)."""
    return make_user(RoleName.SELLER, first_name="Penny", last_name="Pending")


@pytest.fixture
def customer_user(db):
    return make_user(RoleName.CUSTOMER, first_name="Cora", last_name="Customer")


@pytest.fixture
def admin_client(admin_user) -> APIClient:
    return bearer_client(admin_user)


@pytest.fixture
def seller_client(seller_user) -> APIClient:
    return bearer_client(seller_user)


@pytest.fixture
def pending_seller_client(pending_seller_user) -> APIClient:
    return bearer_client(pending_seller_user)


@pytest.fixture
def customer_client(customer_user) -> APIClient:
    return bearer_client(customer_user)


@pytest.fixture(params=[RoleName.ADMIN, RoleName.SELLER, RoleName.CUSTOMER])
def role_client(request, db) -> APIClient:
    """An authenticated client of each role in turn (``client.role`` tells which)."""
    user = make_user(request.param)
    if request.param == RoleName.SELLER:
        SellerGrant.objects.create(user=user)  # a seller with access: the role's own rights
    client = bearer_client(user)
    client.role = request.param
    return client
