"""seed_demo: docs/api.md §23 and §34, idempotent, invariants hold from the start."""

import pytest
from django.core.management import call_command

from auth_app.models import User
from inventory_app.models import (
    Branch,
    BranchAssignment,
    Category,
    InventoryItem,
    MovementType,
    ReservationStatus,
    SellerGrant,
    StockAlert,
    StockLevel,
    StockMovement,
    StockReservation,
    StockTransfer,
    TransferStatus,
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
        "User": 4,
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


SELLER2 = "dddddddd-dddd-dddd-dddd-dddddddddddd"


def test_second_seller_is_scoped_to_the_downtown_store(capsys):
    """§34, §40: seller2 works at ST-DT only; seller1 has an all-branches grant (every branch)."""
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Branch assignments created: 1" in out
    assert "All-branches grants created: 1" in out
    seller2 = User.objects.get(pk=SELLER2)
    assert (seller2.first_name, seller2.last_name, str(seller2.dob), seller2.gender) == (
        "Dara", "Seller", "1996-07-20", "female",
    )  # fmt: skip
    assert (seller2.credentials.email, seller2.credentials.username, seller2.credentials.phone_number) == (
        "seller2@example.com", "seller2", "0987654322",
    )  # fmt: skip
    assert (seller2.credentials.is_verified, seller2.is_active, seller2.role.name) == (True, True, "seller")
    assert seller2.check_password("seller123")
    assert list(BranchAssignment.objects.values_list("user_id", "branch__code")) == [(seller2.pk, "ST-DT")]
    mine = bearer_client(seller2).get("/api/v1/inventory/branches/mine").json()
    assert ([b["code"] for b in mine["data"]], mine["meta"]["scoped"]) == (["ST-DT"], True)
    seller1 = User.objects.get(credentials__email="seller@example.com")
    mine = bearer_client(seller1).get("/api/v1/inventory/branches/mine").json()
    assert (len(mine["data"]), mine["meta"]["scoped"]) == (4, False)
    assert list(SellerGrant.objects.values_list("user_id", flat=True)) == [seller1.pk]
    assert not SellerGrant.objects.filter(user_id=SELLER2).exists()
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Branch assignments created: 0" in out
    assert "All-branches grants created: 0" in out
    assert BranchAssignment.objects.count() == 1
    assert SellerGrant.objects.count() == 1


def test_fresh_seed_opens_the_alerts_its_stock_calls_for(capsys):
    """§34: alerts for the seeded rows at or below their reorder level (none on the §23 data), and
    every balance is the row's quantity."""
    call_command("seed_demo")
    assert "Stock alerts opened: 0" in capsys.readouterr().out
    assert not StockAlert.objects.exists()
    for movement in StockMovement.objects.select_related("inventory_item", "to_branch"):
        row = StockLevel.objects.get(inventory_item=movement.inventory_item, branch=movement.to_branch)
        assert (movement.to_balance_after, movement.from_balance_after) == (row.quantity, None)
    # the rule, not the data: lower a seeded row below its level and seed again
    pen = StockLevel.objects.get(inventory_item__sku="OFFC-PEN-001", branch__code="WH-MAIN")
    InventoryItem.objects.filter(sku="OFFC-PEN-001").update(reorder_level=460)  # available 450
    call_command("seed_demo")
    assert "Stock alerts opened: 1" in capsys.readouterr().out
    alert = StockAlert.objects.get()
    assert (alert.inventory_item_id, alert.branch_id, alert.status) == (pen.inventory_item_id, pen.branch_id, "OPEN")
    assert (alert.available_at_open, alert.reorder_level_at_open) == (450, 460)


def test_transfers_flag_dispatches_the_example_transfer_once(capsys):
    call_command("seed_demo")
    assert not StockTransfer.objects.exists()  # no demo transfer by default: §23's rows stay as they are
    call_command("seed_demo", "--transfers")
    assert "Transfers dispatched: 1" in capsys.readouterr().out
    transfer = StockTransfer.objects.select_related("from_branch", "to_branch").get()
    assert (transfer.from_branch.code, transfer.to_branch.code, transfer.status, transfer.reference_number) == (
        "BR-NORTH", "BR-SR", TransferStatus.IN_TRANSIT, "DEMO-TRANSFER",
    )  # fmt: skip
    assert list(transfer.lines.values_list("inventory_item__sku", "quantity")) == [("OFFC-NBK-001", 5)]
    out = StockMovement.objects.get(movement_type=MovementType.TRANSFER_OUT)
    assert (out.quantity, out.from_balance_after, out.transfer_id) == (5, 45, transfer.pk)
    assert StockLevel.objects.get(inventory_item__sku="OFFC-NBK-001", branch__code="BR-NORTH").quantity == 45
    call_command("seed_demo", "--transfers")
    assert "Transfers dispatched: 0" in capsys.readouterr().out
    assert StockTransfer.objects.count() == 1
    call_command("reconcile_stock")


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
