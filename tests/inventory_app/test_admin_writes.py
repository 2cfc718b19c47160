"""Back-office writes go through the same services as the API (HackSoft: save_model calls the
service): the category cycle check under its lock, the items-created metric, the rules that only
a service can see, and service errors shown with their data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone
from prometheus_client import REGISTRY

from auth_app.models import RoleName
from inventory_app import services
from inventory_app.exceptions import BranchExists
from inventory_app.models import Branch, Category, InventoryItem, ReservationStatus, StockReservation
from tests.factories import make_branch, make_category, make_item, make_user, stock


@pytest.fixture
def staff(db):
    client = Client()
    client.force_login(make_user(RoleName.ADMIN))
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def items_created() -> float:
    return REGISTRY.get_sample_value("inventory_items_created_total") or 0.0


ITEM_FORM = {
    "sku": "ADM-1",
    "name": "Added in the admin",
    "unit_of_measure": "piece",
    "unit_price": "12.50",
    "reorder_level": "3",
    "reorder_quantity": "20",
    "stock_levels-TOTAL_FORMS": "0",
    "stock_levels-INITIAL_FORMS": "0",
}


def test_an_item_added_in_the_admin_is_created_by_the_service(staff, django_capture_on_commit_callbacks):
    before = items_created()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post("/admin/inventory_app/inventoryitem/add/", ITEM_FORM)
    assert response.status_code == 302, response.content[:2000]
    item = InventoryItem.objects.get(sku="ADM-1")
    assert item.is_active  # new items are active, as in the API
    assert items_created() == before + 1  # the metric the API path counts
    assert response["Location"] == "/admin/inventory_app/inventoryitem/"


def test_the_add_forms_leave_out_is_active(staff):
    for model in ("branch", "category", "inventoryitem"):
        form = staff.get(f"/admin/inventory_app/{model}/add/").context["adminform"].form
        assert "is_active" not in form.fields, model


def test_moving_a_category_under_its_own_descendant_is_refused_on_the_form(staff, db):
    root = make_category("Root")
    child = make_category("Child", parent=root)
    response = staff.post(
        f"/admin/inventory_app/category/{root.pk}/change/",
        {"name": "Root", "description": "", "parent_category": str(child.pk), "is_active": "on"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent_category"] == ["Category hierarchy cannot contain cycles"]
    root.refresh_from_db()
    assert root.parent_category_id is None


def test_a_category_can_be_moved_to_the_top_level_and_back(staff, db):
    root = make_category("Root")
    child = make_category("Child", parent=root)
    url = f"/admin/inventory_app/category/{child.pk}/change/"
    response = staff.post(url, {"name": "Child", "description": "", "parent_category": "", "is_active": "on"})
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.parent_category_id is None
    staff.post(url, {"name": "Child", "description": "", "parent_category": str(root.pk), "is_active": "on"})
    child.refresh_from_db()
    assert child.parent_category_id == root.pk


def test_a_refusal_only_the_service_sees_is_shown_and_nothing_is_saved(staff, db, monkeypatch):
    branch = make_branch("BR-1", "First")

    def refuse(*, branch_id, changes):
        Branch.objects.filter(pk=branch_id).update(name="changed before the refusal")
        raise BranchExists(code="BR-1")

    monkeypatch.setattr(services, "branch_update", refuse)
    url = f"/admin/inventory_app/branch/{branch.pk}/change/"
    staff_inline = {"assignments-TOTAL_FORMS": "0", "assignments-INITIAL_FORMS": "0"}  # the branch's sellers
    response = staff.post(url, {"name": "Renamed", "code": "BR-1", "is_active": "on", **staff_inline}, follow=True)
    assert "Branch with code BR-1 already exists" in messages_of(response)
    assert response.redirect_chain[-1][0].endswith(url)
    branch.refresh_from_db()
    assert branch.name == "First"  # the admin's transaction rolled back


def test_service_errors_in_actions_show_their_data(staff, db):
    item, branch = make_item("RES-1"), make_branch("BR-R")
    stock(item, branch, 5)
    reservation = services.reservation_create(
        inventory_item_id=item.pk, branch_id=branch.pk, quantity=2, created_by=None
    )
    StockReservation.objects.filter(pk=reservation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert StockReservation.objects.get(pk=reservation.pk).status == ReservationStatus.ACTIVE
    response = staff.post(
        "/admin/inventory_app/stockreservation/",
        {"action": "commit_selected", "_selected_action": [str(reservation.pk)]},
        follow=True,
    )
    texts = messages_of(response)
    assert f"{reservation.pk}: Reservation is not active (status: EXPIRED)" in texts


def test_category_rename_to_an_existing_name_is_a_form_error(staff, db):
    make_category("Taken")
    other = make_category("Other")
    response = staff.post(
        f"/admin/inventory_app/category/{other.pk}/change/",
        {"name": "Taken", "description": "", "parent_category": "", "is_active": "on"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"]
    assert Category.objects.filter(name="Other").exists()
