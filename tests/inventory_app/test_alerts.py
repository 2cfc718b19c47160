"""Stock alerts (docs/api.md §29a): opened and resolved with the change that causes them, one OPEN
per (item, branch) guaranteed by the database, e-mailed after commit, listed by the API."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from prometheus_client import REGISTRY

from auth_app.models import RoleName
from inventory_app import services
from inventory_app.models import AlertStatus, StockAlert, StockLevel, StockReservation
from tests.factories import make_branch, make_item, make_user, stock
from tests.helpers import MISSING, TIMESTAMP_RE, assert_error, assert_ok, assert_validation
from tests.inventory_app.conftest import BASE

URL = f"{BASE}/stock-alerts"
FIELDS = {
    "id", "inventoryItemId", "sku", "inventoryItemName", "branchId", "branchName", "status", "availableAtOpen",
    "reorderLevelAtOpen", "openedAt", "resolvedAt",
}  # fmt: skip


def out(item, branch, quantity):
    return services.movement_create(
        inventory_item_id=item.pk, movement_type="OUT", quantity=quantity, from_branch_id=branch.pk, performed_by=None
    )


def put_in(item, branch, quantity):
    return services.movement_create(
        inventory_item_id=item.pk, movement_type="IN", quantity=quantity, to_branch_id=branch.pk, performed_by=None
    )


def alerts(item, branch) -> list[tuple[str, int, int]]:
    rows = StockAlert.objects.filter(inventory_item=item, branch=branch).order_by("opened_at", "id")
    return [(a.status, a.available_at_open, a.reorder_level_at_open) for a in rows]


def low_rows() -> set[tuple]:
    rows = StockLevel.objects.filter(inventory_item__is_active=True, branch__is_active=True).select_related(
        "inventory_item"
    )
    return {
        (r.inventory_item_id, r.branch_id)
        for r in rows
        if r.quantity - r.reserved_quantity <= r.inventory_item.reorder_level
    }


def open_pairs() -> set[tuple]:
    return set(StockAlert.objects.filter(status=AlertStatus.OPEN).values_list("inventory_item_id", "branch_id"))


@pytest.fixture
def stocked(item, branch):
    """The laptop (reorder level 5) with 10 units at the warehouse."""
    put_in(item, branch, 10)
    return item


def test_crossing_the_level_opens_and_rising_resolves(stocked, branch):
    out(stocked, branch, 4)
    assert alerts(stocked, branch) == []  # 6 > 5
    out(stocked, branch, 1)
    assert alerts(stocked, branch) == [("OPEN", 5, 5)]  # at the level: low
    out(stocked, branch, 2)
    assert alerts(stocked, branch) == [("OPEN", 5, 5)]  # still the one alert
    put_in(stocked, branch, 3)
    [alert] = StockAlert.objects.filter(inventory_item=stocked)
    assert (alert.status, alert.resolved_at is not None) == ("RESOLVED", True)
    out(stocked, branch, 4)
    assert alerts(stocked, branch) == [("RESOLVED", 5, 5), ("OPEN", 2, 5)]  # a new episode
    assert open_pairs() == low_rows()


def test_reservations_count_against_availability(stocked, branch):
    reservation = services.reservation_create(
        inventory_item_id=stocked.pk, branch_id=branch.pk, quantity=5, created_by=None
    )
    assert alerts(stocked, branch) == [("OPEN", 5, 5)]
    services.reservation_release(reservation_id=reservation.pk)
    assert alerts(stocked, branch)[0][0] == "RESOLVED"
    held = services.reservation_create(inventory_item_id=stocked.pk, branch_id=branch.pk, quantity=6, created_by=None)
    StockReservation.objects.filter(pk=held.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.reservations_release_expired() == 1  # the bulk expiry resolves in the same statement
    assert [a[0] for a in alerts(stocked, branch)] == ["RESOLVED", "RESOLVED"]
    assert open_pairs() == low_rows() == set()


def test_commit_of_a_reservation_keeps_the_alert_right(stocked, branch):
    held = services.reservation_create(inventory_item_id=stocked.pk, branch_id=branch.pk, quantity=6, created_by=None)
    assert alerts(stocked, branch) == [("OPEN", 4, 5)]
    services.reservation_commit(reservation_id=held.pk, performed_by=None)  # 4 on hand, 0 reserved: still low
    assert alerts(stocked, branch) == [("OPEN", 4, 5)]
    assert open_pairs() == low_rows()


def test_reorder_level_and_active_flags_open_and_resolve(admin_client, stocked, branch):
    assert admin_client.put(f"{BASE}/items/{stocked.pk}", {"reorderLevel": 10}, format="json").status_code == 200
    assert alerts(stocked, branch) == [("OPEN", 10, 10)]
    admin_client.put(f"{BASE}/items/{stocked.pk}", {"isActive": False}, format="json")
    assert alerts(stocked, branch)[0][0] == "RESOLVED"  # inactive items have no open alert
    admin_client.put(f"{BASE}/items/{stocked.pk}", {"isActive": True}, format="json")
    assert [a[0] for a in alerts(stocked, branch)] == ["RESOLVED", "OPEN"]
    admin_client.put(f"{BASE}/branches/{branch.pk}", {"isActive": False}, format="json")
    assert open_pairs() == set()
    admin_client.put(f"{BASE}/branches/{branch.pk}", {"isActive": True}, format="json")
    assert open_pairs() == {(stocked.pk, branch.pk)}
    admin_client.put(f"{BASE}/items/{stocked.pk}", {"reorderLevel": 9}, format="json")
    assert open_pairs() == set()  # 10 > 9
    assert open_pairs() == low_rows()


def test_movements_at_inactive_branches_open_nothing(stocked, branch):
    services.branch_update(branch_id=branch.pk, changes={"is_active": False})
    out(stocked, branch, 9)
    assert alerts(stocked, branch) == []


def test_transfers_open_and_resolve_on_both_sides(stocked, branch, other_branch):
    lines = [{"inventory_item_id": stocked.pk, "quantity": 6}]
    transfer = services.transfer_dispatch(
        from_branch_id=branch.pk, to_branch_id=other_branch.pk, lines=lines, dispatched_by=None
    )
    assert alerts(stocked, branch) == [("OPEN", 4, 5)]
    services.transfer_receive(
        transfer_id=transfer.pk, received_by=None, lines=[{"inventory_item_id": stocked.pk, "received_quantity": 2}]
    )
    assert alerts(stocked, other_branch) == [("OPEN", 2, 5)]  # arrived short: low at the destination
    assert open_pairs() == low_rows()
    one = [{"inventory_item_id": stocked.pk, "quantity": 1}]
    again = services.transfer_dispatch(
        from_branch_id=branch.pk, to_branch_id=other_branch.pk, lines=one, dispatched_by=None
    )
    services.transfer_cancel(transfer_id=again.pk, cancelled_by=None)
    assert open_pairs() == low_rows()


def test_the_database_allows_one_open_alert_per_pair(stocked, branch):
    out(stocked, branch, 6)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockAlert.objects.create(
            inventory_item=stocked,
            branch=branch,
            available_at_open=1,
            reorder_level_at_open=5,
            opened_at=timezone.now(),
        )
    StockAlert.objects.create(
        inventory_item=stocked,
        branch=branch,
        status=AlertStatus.RESOLVED,
        available_at_open=1,
        reorder_level_at_open=5,
        opened_at=timezone.now(),
        resolved_at=timezone.now(),
    )  # fmt: skip  (resolved ones are history: any number)


def test_the_migration_opens_what_the_stock_calls_for(stocked, branch, other_branch):
    """The data migration's SQL, run on rows written without alerts."""
    low = make_item("LOW", reorder_level=50)
    StockLevel.objects.create(inventory_item=low, branch=other_branch, quantity=7)
    inactive = make_item("OFF", reorder_level=50, is_active=False)
    StockLevel.objects.create(inventory_item=inactive, branch=other_branch, quantity=1)
    StockAlert.objects.all().delete()
    migration = importlib.import_module("inventory_app.migrations.0006_backfill_balances_and_alerts")
    with connection.cursor() as cursor:
        cursor.execute(migration.OPEN_ALERTS)
        cursor.execute(migration.OPEN_ALERTS)  # idempotent: the partial unique index
    assert alerts(low, other_branch) == [("OPEN", 7, 50)]
    assert open_pairs() == low_rows() == {(low.pk, other_branch.pk)}


# -- e-mail -----------------------------------------------------------------------------------
def test_an_opened_alert_mails_admins_and_the_branchs_sellers_once(
    stocked, branch, other_branch, django_capture_on_commit_callbacks
):
    boss = make_user(RoleName.ADMIN, email="boss@example.com")
    make_user(RoleName.ADMIN, email="gone@example.com", is_active=False)
    here = make_user(RoleName.SELLER, email="here@example.com")
    elsewhere = make_user(RoleName.SELLER, email="elsewhere@example.com")
    make_user(RoleName.SELLER, email="unassigned@example.com")
    services.assignment_create(branch_id=branch.pk, user_id=here.pk, created_by=None)
    services.assignment_create(branch_id=other_branch.pk, user_id=elsewhere.pk, created_by=None)
    with django_capture_on_commit_callbacks(execute=True):
        out(stocked, branch, 4)
    assert mail.outbox == []  # nothing opened
    with django_capture_on_commit_callbacks(execute=True):
        out(stocked, branch, 2)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([boss.credentials.email, "here@example.com"])
    assert all(len(m.to) == 1 for m in mail.outbox)  # one message per recipient
    message = mail.outbox[0]
    assert message.subject == "Low stock: LAP-1 at Warehouse"
    assert message.from_email == "noreply@natjoub.local"
    assert "Available: 4" in message.body and "Reorder level: 5" in message.body  # noqa: PT018
    with django_capture_on_commit_callbacks(execute=True):
        out(stocked, branch, 1)  # still open: no second mail
    assert len(mail.outbox) == 2


def test_no_mail_for_a_rolled_back_change(stocked, branch, django_capture_on_commit_callbacks):
    make_user(RoleName.ADMIN)

    def change_then_fail():
        with transaction.atomic():
            out(stocked, branch, 6)
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        change_then_fail()
    assert (callbacks, mail.outbox) == ([], [])
    assert alerts(stocked, branch) == []


def test_a_failing_mail_transport_changes_nothing(stocked, branch, settings, django_capture_on_commit_callbacks):
    make_user(RoleName.ADMIN)
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1}}}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        out(stocked, branch, 6)
    assert alerts(stocked, branch) == [("OPEN", 4, 5)]


# -- the API ----------------------------------------------------------------------------------
def test_list_filters_and_get_one(seller_client, stocked, branch, other_branch):
    other = make_item("MOU-1", "Mouse", reorder_level=3)
    put_in(other, other_branch, 3)
    out(stocked, branch, 6)
    put_in(stocked, branch, 6)
    out(stocked, branch, 7)
    listed = assert_ok(seller_client.get(URL), 200, "Stock alerts retrieved successfully", meta=True)
    assert [(a["sku"], a["status"]) for a in listed] == [("LAP-1", "OPEN"), ("LAP-1", "RESOLVED"), ("MOU-1", "OPEN")]
    first = listed[0]
    assert set(first) == FIELDS
    assert (first["inventoryItemName"], first["branchName"], first["availableAtOpen"], first["reorderLevelAtOpen"]) == (
        "Laptop", "Warehouse", 3, 5,
    )  # fmt: skip
    assert TIMESTAMP_RE.match(first["openedAt"])
    assert first["resolvedAt"] is None
    assert TIMESTAMP_RE.match(listed[1]["resolvedAt"])

    def skus(**params):
        return [(a["sku"], a["status"]) for a in seller_client.get(URL, params).json()["data"]]

    assert skus(status="RESOLVED") == [("LAP-1", "RESOLVED")]
    assert skus(branchId=str(other_branch.pk)) == [("MOU-1", "OPEN")]
    assert skus(inventoryItemId=str(other.pk)) == [("MOU-1", "OPEN")]
    assert skus(branchId=MISSING) == []
    assert_validation(
        seller_client.get(URL, {"status": "open", "branchId": "x", "inventoryItemId": "y"}),
        {"status": "Must be one of: OPEN, RESOLVED", "branchId": "Invalid value", "inventoryItemId": "Invalid value"},
    )
    one = assert_ok(seller_client.get(f"{URL}/{first['id']}"), 200, "Stock alert retrieved successfully")
    assert one == first
    assert_error(
        seller_client.get(f"{URL}/{MISSING}"), 404, "STOCK_ALERT_NOT_FOUND", f"Stock alert not found with id: {MISSING}"
    )


def test_the_open_alerts_gauge(client, stocked, branch, other_branch):
    def gauge():
        return REGISTRY.get_sample_value("natjoub_stock_alerts_open")

    assert gauge() == 0
    out(stocked, branch, 6)
    put_in(make_item("X", reorder_level=1), other_branch, 1)
    assert gauge() == 2
    assert "natjoub_stock_alerts_open 2.0" in client.get("/metrics").content.decode()


# -- the rule as an invariant over many small changes --------------------------------------------
def test_open_alerts_are_exactly_the_low_rows_after_every_step(branch, other_branch):
    items = [make_item(f"I-{i}", reorder_level=level) for i, level in enumerate((0, 3, 8))]
    for item in items:
        for where in (branch, other_branch):
            stock(item, where, 5)
    steps = [
        lambda: out(items[1], branch, 2),
        lambda: out(items[0], branch, 5),
        lambda: put_in(items[0], branch, 1),
        lambda: services.item_update(item_id=items[2].pk, changes={"reorder_level": 4}),
        lambda: services.reservation_create(inventory_item_id=items[2].pk, branch_id=other_branch.pk, quantity=1,
                                            created_by=None),
        lambda: services.branch_update(branch_id=other_branch.pk, changes={"is_active": False}),
        lambda: services.branch_update(branch_id=other_branch.pk, changes={"is_active": True}),
    ]  # fmt: skip
    assert open_pairs() == low_rows()
    for step in steps:
        step()
        assert open_pairs() == low_rows()


def test_stock_factory_opens_the_alert_its_row_calls_for(branch):
    item = make_item("F", reorder_level=5)
    stock(item, branch, 5)
    assert open_pairs() == {(item.pk, branch.pk)}
    assert make_branch("Z").is_active
