"""The inventory admin: every model listed, the ledger read-only, deletes through the services."""

import pytest
from django.test import Client

from auth_app.models import RoleName
from inventory_app.models import Branch
from tests.factories import make_user
from tests.inventory_app.conftest import stock


@pytest.fixture
def staff(db):
    user = make_user(RoleName.ADMIN)
    client = Client()
    client.force_login(user)
    return client


MODELS = ["branch", "category", "inventoryitem", "stocklevel", "stockmovement", "stockreservation", "idempotencykey"]


@pytest.mark.parametrize("model", MODELS)
def test_changelists_render_with_search(staff, item, branch, model):
    stock(item, branch, 3)
    response = staff.get(f"/admin/inventory_app/{model}/", {"q": "LAP"})
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
