"""seed_demo: docs/api.md §23, idempotent, invariants hold from the start."""

import pytest
from django.core.management import call_command

from auth_app.models import User
from inventory_app.models import (
    Branch,
    Category,
    InventoryItem,
    ReservationStatus,
    StockLevel,
    StockMovement,
    StockReservation,
)
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

TOTALS = {
    "ELEC-LAP-001": 135,
    "ELEC-MON-001": 190,
    "ELEC-KEY-001": 220,
    "FURN-DSK-001": 80,
    "OFFC-PEN-001": 500,
    "FURN-CHR-001": 15,
    "CLTH-TSH-001": 100,
    "OFFC-NBK-001": 50,
    "CLTH-PLO-001": 30,
}


def counts():
    models = (User, Branch, Category, InventoryItem, StockLevel, StockMovement, StockReservation)
    return {model.__name__: model.objects.count() for model in models}


def test_seed_twice(capsys):
    call_command("seed_demo")
    first_out = capsys.readouterr().out
    assert "Branches created: 4" in first_out
    assert "Stock levels created: 13" in first_out
    first = counts()
    assert first == {
        "User": 3,
        "Branch": 4,
        "Category": 10,
        "InventoryItem": 14,
        "StockLevel": 13,
        "StockMovement": 13,
        "StockReservation": 9,
    }
    call_command("seed_demo")
    assert "Branches created: 0" in capsys.readouterr().out
    assert counts() == first
    call_command("reconcile_stock")


def test_derived_facts():
    call_command("seed_demo")
    admin = User.objects.get(pk="aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa")
    client = bearer_client(admin)
    items = client.get("/api/v1/inventory/items", {"limit": 100}).json()["data"]
    assert len(items) == 14
    assert {i["sku"]: i["totalStock"] for i in items} == {i["sku"]: TOTALS.get(i["sku"], 0) for i in items}
    lap = next(i for i in items if i["sku"] == "ELEC-LAP-001")
    assert (lap["unitPrice"], lap["categoryName"], lap["imageUrl"]) == ("899.99", "Electronics", None)
    per_branch = {b.code: StockLevel.objects.filter(branch=b).count() for b in Branch.objects.all()}
    assert per_branch == {"WH-MAIN": 5, "ST-DT": 4, "BR-NORTH": 4, "BR-SR": 0}
    assert set(Branch.objects.values_list("country", flat=True)) == {"Cambodia"}
    low = client.get("/api/v1/inventory/stock-levels/low-stock").json()
    assert (low["data"], low["meta"]["total"]) == ([], 0)
    assert str(Category.objects.get(name="Electronics").pk) == "11111111-1111-1111-1111-111111111111"
    assert Category.objects.get(name="Chairs").parent_category.name == "Furniture"
    tree = client.get("/api/v1/inventory/categories/tree").json()["data"]
    assert [node["name"] for node in tree] == ["Clothing", "Electronics", "Furniture", "Office Supplies"]
    for movement in StockMovement.objects.all():
        assert (movement.movement_type, movement.reference_number, movement.notes) == (
            "IN",
            "OPENING-BALANCE",
            "Opening balance",
        )
        assert movement.performed_by == admin.pk
        assert movement.unit_price is None
    for reservation in StockReservation.objects.all():
        assert (reservation.status, reservation.reference_number) == (ReservationStatus.ACTIVE, "DEMO-SEED")
    pen = StockLevel.objects.get(inventory_item__sku="OFFC-PEN-001")
    assert (pen.quantity, pen.reserved_quantity, pen.last_counted_at is not None) == (500, 50, True)


# -- finding 2: no demo accounts in production (docs/api.md §32) ------------------------------------
def test_seed_demo_refuses_production_unless_allowed(settings):
    from django.core.management.base import CommandError

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="Refusing to seed demo data in production"):
        call_command("seed_demo")
    assert not User.objects.filter(credentials__email="admin@example.com").exists()
    call_command("seed_demo", "--allow-production")
    assert User.objects.filter(credentials__email="admin@example.com").exists()


def test_serve_never_seeds_or_prints_demo_passwords_in_production(settings):
    import io

    from natjoub.management.commands.serve import Command

    for production, seeds in ((True, False), (False, True)):
        settings.PRODUCTION = production
        command = Command(stdout=io.StringIO())
        command._announce(8080)
        assert ("admin123" in command.stdout.getvalue()) is not production
        assert command._seeds({"no_seed": False}) is seeds
