"""reconcile_stock: both invariants, exit status, --fix."""

import pytest
from django.core.management import CommandError, call_command, load_command_class

from inventory_app.models import ReservationStatus, StockLevel, StockMovement, StockReservation
from tests.factories import make_branch, make_item, stock


def test_clean_ledger_reports_no_drift(capsys, item, branch):
    stock(item, branch, 5)
    call_command("reconcile_stock")
    assert "No drift" in capsys.readouterr().out


@pytest.mark.parametrize("direction", [+3, -2])
def test_quantity_drift_is_reported_then_fixed(capsys, item, branch, direction):
    stock(item, branch, 10)
    StockLevel.objects.update(quantity=10 + direction)
    with pytest.raises(CommandError, match="Stock drift found in 1 row"):
        call_command("reconcile_stock")
    out = capsys.readouterr().out
    assert (
        f"QUANTITY DRIFT item LAP-1 ({item.pk}) at branch WH ({branch.pk}): quantity {10 + direction}, ledger 10" in out
    )
    call_command("reconcile_stock", "--fix")
    assert "-> fixed" in capsys.readouterr().out
    fix = StockMovement.objects.get(reference_number="RECONCILE")
    assert (fix.movement_type, fix.quantity) == ("ADJUSTMENT", abs(direction))
    assert (fix.to_branch_id, fix.from_branch_id) == ((branch.pk, None) if direction > 0 else (None, branch.pk))
    assert StockLevel.objects.get().quantity == 10 + direction
    call_command("reconcile_stock")


def test_movements_without_a_row_are_drift(item, branch):
    StockMovement.objects.create(inventory_item=item, to_branch=branch, movement_type="IN", quantity=4)
    with pytest.raises(CommandError):
        call_command("reconcile_stock")


def test_reserved_drift(capsys, item, branch):
    stock(item, branch, 10, reserved=3)
    with pytest.raises(CommandError):
        call_command("reconcile_stock")
    assert "RESERVED DRIFT" in capsys.readouterr().out
    StockReservation.objects.create(
        inventory_item=item, branch=branch, quantity=2, status=ReservationStatus.ACTIVE, expires_at="2099-01-01T00:00Z"
    )
    call_command("reconcile_stock", "--fix")
    assert StockLevel.objects.get().reserved_quantity == 2
    call_command("reconcile_stock")


def test_unfixable_reserved_drift_keeps_failing(db):
    item, branch = make_item("U"), make_branch("U")
    stock(item, branch, 1)
    StockReservation.objects.create(
        inventory_item=item, branch=branch, quantity=5, status=ReservationStatus.ACTIVE, expires_at="2099-01-01T00:00Z"
    )
    with pytest.raises(CommandError):
        call_command("reconcile_stock", "--fix")


@pytest.mark.parametrize(
    ("app", "command", "expected"),
    [
        ("inventory_app", "reconcile_stock", ["--fix", "ADJUSTMENT", "ACTIVE reservations"]),
        ("inventory_app", "release_expired_reservations", ["EXPIRED"]),
        ("natjoub", "seed_demo", ["Idempotent", "OPENING-BALANCE"]),
    ],
)
def test_help_describes_the_commands(app, command, expected):
    text = " ".join(load_command_class(app, command).create_parser("manage.py", command).format_help().split())
    for fragment in expected:
        assert fragment in text
