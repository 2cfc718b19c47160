"""Every changelist of the back office (and its dashboard) renders with a number of queries that
does not grow with the number of rows shown: 10 rows, then 100 rows, the same count.

Each model has a builder that adds rows *with* their related rows (role and credentials of a user,
category and stock of an item, branches of a movement, …) so that columns which traverse relations
really do; a model registered with the admin site without a builder here fails the test.

The builders insert in bulk (branches, categories and items are the factories' unsaved builds);
stock rows come without the opening movement ``stock()`` writes: the ledger is not what these
pages show, and the dashboard test counts today's movements exactly."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auth_app.models import Credential, RefreshToken, Role, RoleName, Session, User
from inventory_app.models import (
    AlertStatus,
    Branch,
    Category,
    InventoryItem,
    MovementType,
    ReservationStatus,
    StockAlert,
    StockLevel,
    StockMovement,
    StockReservation,
    StockTransfer,
    StockTransferLine,
    TransferStatus,
)
from natjoub.models import IdempotencyKey, OutboxMail
from order_app.models import Order, OrderEvent, OrderLine, OrderStatus
from tests.factories import BranchFactory, CategoryFactory, InventoryItemFactory, make_user

pytestmark = pytest.mark.django_db
SIZES = (10, 100)
PASSWORD_HASH = "bcrypt_sha256$$2b$12$notarealhashnotarealhashnotarealhashnotarealhashnotare"


def _tag() -> str:
    return uuid.uuid4().hex[:10]


# -- builders: add n rows of a model with the related rows its columns show ---------------------
def build_users(n: int) -> list[User]:
    seller = Role.objects.get(name=RoleName.SELLER)
    users = User.objects.bulk_create(
        [User(first_name=f"First{i}", last_name=f"Last{i}", role=seller) for i in range(n)]
    )
    Credential.objects.bulk_create(
        [Credential(user=u, email=f"{_tag()}@example.com", username=_tag(), password=PASSWORD_HASH) for u in users]
    )
    return users


def build_roles(n: int) -> None:
    Role.objects.bulk_create([Role(name=f"role-{_tag()}") for _ in range(n)])


def build_refresh_tokens(n: int) -> None:
    expiry = timezone.now() + timedelta(days=7)
    RefreshToken.objects.bulk_create(
        [RefreshToken(user=u, token=uuid.uuid4().hex * 2, expires_at=expiry) for u in build_users(n)]
    )


def build_sessions(n: int) -> None:
    users = build_users(max(1, n // 3))
    Session.objects.bulk_create(
        [
            Session(user=users[i % len(users)], user_agent=f"agent {i}", ip_address=f"192.0.2.{i % 250}")
            for i in range(n)
        ]
    )


def build_branches(n: int) -> list[Branch]:
    return Branch.objects.bulk_create(BranchFactory.build_batch(n, city="Phnom Penh", country="KH"))


def build_categories(n: int) -> list[Category]:
    """A tree: every category after the first few hangs under an earlier one (depth up to ~log n)."""
    created: list[Category] = []
    for i in range(n):
        parent = created[(len(created) - 1) // 2] if i % 3 and created else None
        created.append(CategoryFactory.build(parent_category=parent))
    return Category.objects.bulk_create(created)


def build_items(n: int) -> list[InventoryItem]:
    categories = build_categories(max(1, n // 5))
    items = InventoryItem.objects.bulk_create(
        [InventoryItemFactory.build(category=categories[i % len(categories)]) for i in range(n)]
    )
    branches = build_branches(2)
    StockLevel.objects.bulk_create(
        [StockLevel(inventory_item=it, branch=b, quantity=5 + i % 7) for it in items for i, b in enumerate(branches)]
    )
    return items


def build_stock_levels(n: int) -> None:
    branches = build_branches(3)
    items = InventoryItem.objects.bulk_create(InventoryItemFactory.build_batch(n))
    StockLevel.objects.bulk_create(
        [StockLevel(inventory_item=it, branch=branches[i % 3], quantity=i) for i, it in enumerate(items)]
    )


def build_movements(n: int) -> None:
    items = build_items(3)
    src, dst = build_branches(2)
    kinds = [MovementType.IN, MovementType.OUT, MovementType.TRANSFER]
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                inventory_item=items[i % 3],
                movement_type=kinds[i % 3],
                from_branch=None if kinds[i % 3] == MovementType.IN else src,
                to_branch=None if kinds[i % 3] == MovementType.OUT else dst,
                quantity=1 + i,
                reference_number=f"REF-{i}",
                performed_by=uuid.uuid4(),
            )
            for i in range(n)
        ]
    )


def build_reservations(n: int) -> None:
    items = build_items(4)
    branches = build_branches(2)
    soon = timezone.now() + timedelta(minutes=30)
    StockReservation.objects.bulk_create(
        [
            StockReservation(
                inventory_item=items[i % 4],
                branch=branches[i % 2],
                quantity=1,
                status=ReservationStatus.ACTIVE,
                expires_at=soon,
                reference_number=f"R-{i}",
            )
            for i in range(n)
        ]
    )


def build_transfers(n: int) -> None:
    """Transfers of every status between two branches, each with two lines."""
    items = build_items(2)
    src, dst = build_branches(2)
    now = timezone.now()
    statuses = [TransferStatus.IN_TRANSIT, TransferStatus.RECEIVED, TransferStatus.CANCELLED]
    transfers = StockTransfer.objects.bulk_create(
        [
            StockTransfer(
                from_branch=src,
                to_branch=dst,
                status=statuses[i % 3],
                reference_number=f"T-{i}",
                dispatched_at=now - timedelta(minutes=i),
                received_at=now if statuses[i % 3] == TransferStatus.RECEIVED else None,
                cancelled_at=now if statuses[i % 3] == TransferStatus.CANCELLED else None,
            )
            for i in range(n)
        ]
    )
    StockTransferLine.objects.bulk_create(
        [StockTransferLine(transfer=t, inventory_item=item, quantity=3) for t in transfers for item in items]
    )


def build_alerts(n: int) -> None:
    """Alerts of both statuses over distinct (item, branch) pairs (one OPEN per pair at most)."""
    branches = build_branches(2)
    items = InventoryItem.objects.bulk_create(InventoryItemFactory.build_batch(n))
    now = timezone.now()
    StockAlert.objects.bulk_create(
        [
            StockAlert(
                inventory_item=item,
                branch=branches[i % 2],
                status=AlertStatus.OPEN if i % 2 else AlertStatus.RESOLVED,
                available_at_open=i % 5,
                reorder_level_at_open=10,
                opened_at=now - timedelta(minutes=i),
                resolved_at=None if i % 2 else now,
            )
            for i, item in enumerate(items)
        ]
    )


def build_idempotency_keys(n: int) -> None:
    IdempotencyKey.objects.bulk_create(
        [
            IdempotencyKey(
                user_id=uuid.uuid4(), key=_tag(), request_hash="0" * 64, response_status=201, response_body={"a": 1}
            )
            for _ in range(n)
        ]
    )


def build_outbox(n: int) -> None:
    """Pending, sent and failed mail events."""
    now = timezone.now()
    OutboxMail.objects.bulk_create(
        [
            OutboxMail(
                kind="order.placed",
                payload={"order_id": str(uuid.uuid4())},
                attempts=i % 3,
                sent_at=now if i % 3 == 1 else None,
                failed_at=now if i % 3 == 2 else None,
                last_error="ConnectionRefusedError: Connection refused" if i % 3 == 2 else "",
            )
            for i in range(n)
        ]
    )


def build_orders(n: int) -> None:
    """Orders in every status (open ones with a deadline, some past it), two lines and an event each."""
    now = timezone.now()
    statuses = list(OrderStatus)
    orders = Order.objects.bulk_create(
        [
            Order(
                number=f"NJ-T{_tag()}",
                customer_id=uuid.uuid4(),
                customer_name="Cora Customer",
                customer_email=f"{_tag()}@example.com",
                branch_id=uuid.UUID(int=i % 3 + 1),
                branch_code=f"BR-{i % 3}",
                branch_name=f"Branch {i % 3}",
                status=statuses[(i // 2) % len(statuses)],
                currency="USD",
                subtotal=10,
                total=10,
                pickup_code="123456",
                expires_at=now + timedelta(minutes=30 if i % 2 else -5),
                placed_at=now - timedelta(minutes=i),
            )
            for i in range(n)
        ]
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                inventory_item_id=uuid.uuid4(),
                sku=f"SKU-{k}",
                name="Item",
                unit_price=5,
                quantity=1,
                line_total=5,
                reservation_id=uuid.uuid4(),
                position=k,
            )
            for order in orders
            for k in range(2)
        ]
    )
    OrderEvent.objects.bulk_create(
        [OrderEvent(order=order, status=OrderStatus.PLACED, created_at=order.placed_at) for order in orders]
    )


BUILDERS: dict[type, Callable[[int], object]] = {
    Role: build_roles,
    User: build_users,
    RefreshToken: build_refresh_tokens,
    Session: build_sessions,
    Branch: build_branches,
    Category: build_categories,
    InventoryItem: build_items,
    StockLevel: build_stock_levels,
    StockMovement: build_movements,
    StockReservation: build_reservations,
    StockTransfer: build_transfers,
    StockAlert: build_alerts,
    IdempotencyKey: build_idempotency_keys,
    OutboxMail: build_outbox,
    Order: build_orders,
}


@pytest.fixture
def back_office(db) -> Client:
    client = Client()
    client.force_login(make_user(RoleName.ADMIN))
    return client


def measure(client: Client, url: str):
    client.get(url)  # warm-up: per-process caches (content types, templates) are not the page's cost
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response, [q["sql"] for q in queries.captured_queries]


def grow_to(model, size: int) -> None:
    """Add rows until the model has at least ``size`` rows (builders may add related rows of the
    same model, e.g. categories under items)."""
    missing = size - model._default_manager.count()
    if missing > 0:
        BUILDERS[model](missing)


def result_rows(response) -> int:
    table = re.search(r'<table id="result_list">.*?<tbody>(.*?)</tbody>', response.content.decode(), re.DOTALL)
    assert table is not None
    return table[1].count("<tr")


def test_every_registered_model_admin_is_covered():
    assert set(admin.site._registry) == set(BUILDERS)


def test_every_model_admin_shows_at_least_a_hundred_rows_per_page():
    for model, model_admin in admin.site._registry.items():
        assert model_admin.list_per_page >= max(SIZES), model


@pytest.mark.parametrize("model", list(BUILDERS), ids=lambda m: m._meta.label)
def test_changelist_queries_do_not_grow_with_rows(back_office, model):
    opts = model._meta
    url = f"/admin/{opts.app_label}/{opts.model_name}/"
    counts = []
    for size in SIZES:
        grow_to(model, size)
        total = model._default_manager.count()
        response, queries = measure(back_office, url)
        changelist = response.context["cl"]
        shown = min(total, changelist.list_per_page)
        assert changelist.result_count == total
        assert len(changelist.result_list) == shown
        assert result_rows(response) == shown
        assert f"{total} {opts.verbose_name_plural if total != 1 else opts.verbose_name}" in response.content.decode()
        counts.append(queries)
    small, large = counts
    assert len(small) == len(large), "\n".join(["10 rows:", *small, "", "100 rows:", *large])


def test_item_change_page_queries_do_not_grow_with_its_stock_rows(back_office):
    item = build_items(1)[0]
    url = f"/admin/inventory_app/inventoryitem/{item.pk}/change/"
    _, small = measure(back_office, url)
    StockLevel.objects.bulk_create([StockLevel(inventory_item=item, branch=b, quantity=3) for b in build_branches(40)])
    response, large = measure(back_office, url)
    [inline] = [f for f in response.context["inline_admin_formsets"] if f.opts.model is StockLevel]
    assert len(inline.formset.forms) == 42
    assert len(small) == len(large), "\n".join(["2 rows:", *small, "", "42 rows:", *large])


def dashboard_data(n: int) -> None:
    """n movements today, low-stock rows, reservations about to expire, open alerts, transfers,
    sellers waiting for access (docs/api.md §36), orders."""
    build_users(n)  # sellers without grant or assignment
    build_orders(n)
    build_movements(n)
    build_reservations(n)
    build_alerts(n)
    build_transfers(n)
    low = InventoryItem.objects.bulk_create(InventoryItemFactory.build_batch(n, reorder_level=50))
    branch = build_branches(1)[0]
    StockLevel.objects.bulk_create([StockLevel(inventory_item=it, branch=branch, quantity=1) for it in low])


def panels(response) -> dict[str, dict]:
    return {panel["name"]: panel["data"] for panel in response.context["dashboard_panels"]}


def test_dashboard_queries_do_not_grow_with_data(back_office):
    dashboard_data(10)
    response, small = measure(back_office, "/admin/")
    assert len(panels(response)["recent_movements"]["rows"]) == 10
    dashboard_data(100)
    response, large = measure(back_office, "/admin/")
    dashboard = panels(response)
    names = (
        "low_stock", "expiring_reservations", "recent_movements", "open_alerts", "transfers_in_transit",
        "sellers_waiting",
    )  # fmt: skip
    rows = [len(dashboard[name]["rows"]) for name in names]
    assert rows == [10, 10, 10, 10, 10, 10]
    assert dashboard["sellers_waiting"]["count"] == User.objects.filter(role__name=RoleName.SELLER).count()
    assert dashboard["open_alerts"]["count"] == StockAlert.objects.filter(status=AlertStatus.OPEN).count() == 55
    assert sum(row["count"] for row in dashboard["movements_today"]["rows"]) == 110
    assert sorted(row["branch_code"] for row in dashboard["open_orders"]["rows"]) == ["BR-0", "BR-1", "BR-2"]
    assert (
        sum(row["count"] for row in dashboard["open_orders"]["rows"])
        == Order.objects.filter(status__in=["PLACED", "CONFIRMED", "READY"], expires_at__gt=timezone.now()).count()
    )
    assert len(small) == len(large), "\n".join(["small:", *small, "", "large:", *large])


def test_dashboard_charts_with_a_branch_filter_do_not_grow_with_data(back_office):
    """The chart panel (docs/architecture.md, "Charts in the back office") filtered by a branch:
    the same number of queries at 10 and 100 rows of everything, and figures of that branch only."""
    dashboard_data(10)
    branch = StockMovement.objects.filter(to_branch__isnull=False).order_by("created_at").first().to_branch
    url = f"/admin/?branch={branch.pk}"
    _, small = measure(back_office, url)
    dashboard_data(100)
    response, large = measure(back_office, url)
    charts = {chart.id: chart for chart in panels(response)["stock_charts"]["charts"]}
    touching = (
        StockMovement.objects.filter(from_branch=branch).count()
        + StockMovement.objects.filter(to_branch=branch).exclude(from_branch=branch).count()
    )
    assert sum(sum(series.values) for series in charts["movements-per-day"].series) == touching > 0
    assert list(charts["stock-value"].labels) in ([], [branch.code])
    assert len(small) == len(large), "\n".join(["small:", *small, "", "large:", *large])


def test_item_change_page_charts_do_not_grow_with_its_movements(back_office):
    """The item page's charts: its stock per branch and its balance over its last movements."""
    item = build_items(1)[0]
    branch = StockLevel.objects.filter(inventory_item=item).first().branch
    url = f"/admin/inventory_app/inventoryitem/{item.pk}/change/"

    def add(n: int) -> None:
        StockMovement.objects.bulk_create(
            [
                StockMovement(inventory_item=item, movement_type=MovementType.IN, to_branch=branch, quantity=1,
                              to_balance_after=i)
                for i in range(n)
            ]
        )  # fmt: skip

    add(3)
    _, small = measure(back_office, url)
    add(300)
    response, large = measure(back_office, url)
    assert [len(chart.labels) for chart in response.context["item_charts"]] == [2, 200]
    assert len(small) == len(large), "\n".join(["small:", *small, "", "large:", *large])
