"""Hostile-input fixtures: the operations of the OpenAPI schema, a small world of rows with a
user per role, a full dump of the database (to prove refused requests wrote nothing), and the
assertion that any answer has one of the contract's shapes (the exact envelope assertions are in
``tests.helpers``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from auth_app.models import RoleName, Session
from inventory_app.models import (
    AlertStatus,
    MovementType,
    ReservationStatus,
    SellerGrant,
    StockAlert,
    StockMovement,
    StockReservation,
)
from inventory_app.services import transfer_dispatch
from order_app.services import order_place
from tests.conftest import bearer_client
from tests.factories import make_branch, make_category, make_item, make_user, stock
from tests.helpers import ENVELOPE_KEYS

ROLES = (RoleName.ADMIN, RoleName.SELLER, RoleName.CUSTOMER)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


# -- the operations, from the OpenAPI schema (itself generated from the URL conf) ---------------
@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # the template without the trailing slash, e.g. /api/v1/inventory/items/{id}
    query: tuple[str, ...]  # query parameter names
    body: tuple[tuple[str, str], ...]  # (camelCase property, JSON type or format)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


@cache
def schema_operations() -> tuple[Operation, ...]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})
    operations = []
    for raw_path, methods in schema["paths"].items():
        path = raw_path.rstrip("/").replace("{branch_id}", "{branchId}").replace("{user_id}", "{userId}")
        for method, operation in methods.items():
            query = tuple(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")
            operations.append(Operation(method.upper(), path, query, _body_properties(operation, components)))
    return tuple(sorted(operations, key=lambda op: (op.path, op.method)))


def _body_properties(operation: dict, components: dict) -> tuple[tuple[str, str], ...]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return ()
    ref = content["schema"].get("$ref", "")
    properties = components[ref.rsplit("/", 1)[-1]].get("properties", {}) if ref else {}
    return tuple((name, spec.get("format") or spec.get("type", "any")) for name, spec in properties.items())


def operations(**where) -> list[Operation]:
    """Schema operations filtered by attribute predicates, e.g. ``operations(method="GET")``."""
    return [op for op in schema_operations() if all(getattr(op, k) == v for k, v in where.items())]


# -- a world of rows --------------------------------------------------------------------------
@dataclass
class World:
    users: dict[str, Any]
    clients: dict[str, APIClient]
    other_customer: Any
    other_seller: Any
    branch: Any
    other_branch: Any
    category: Any
    item: Any
    movement: Any
    reservation: Any
    session: Any  # a sign-in of other_customer (docs/api.md §30)
    transfer: Any  # IN_TRANSIT, of ``transfer_item``, branch -> other_branch
    alert: Any  # OPEN, ``transfer_item`` at branch
    order: Any  # PLACED by the main customer at branch (docs/api.md §37)
    other_order: Any  # PLACED by other_customer at branch
    pending_client: Any = None  # a seller without any grant or assignment (docs/api.md §36)

    def path_ids(self, path: str) -> dict[str, str]:
        """Real ids for a template's placeholders, so an allowed caller would really act."""
        if "{branchId}" in path:
            return {"branchId": str(self.branch.pk)}
        if "{userId}" in path:
            return {"id": str(self.branch.pk), "userId": str(self.other_seller.pk)}
        if "{id}" not in path:
            return {}
        targets = {
            "/admin/auth/users/": self.other_customer,
            "/staff": self.branch,
            "/branches/": self.other_branch,
            "/categories/": self.category,
            "/items/": self.item,
            "/movements/": self.movement,
            "/reservations/": self.reservation,
            "/auth/sessions/": self.session,
            "/transfers/": self.transfer,
            "/stock-alerts/": self.alert,
            "/orders/": self.order,
        }
        for fragment, row in targets.items():
            if fragment in path:
                return {"id": str(row.pk)}
        raise AssertionError(f"no id for {path}")

    def url(self, operation: Operation) -> str:
        return operation.path.format(**self.path_ids(operation.path))


@pytest.fixture
def world(db) -> World:
    users = {role: make_user(role, first_name="Main", last_name=role.title()) for role in ROLES}
    other_customer = make_user(RoleName.CUSTOMER, first_name="Other", last_name="Customer")
    other_seller = make_user(RoleName.SELLER, first_name="Other", last_name="Seller")
    for seller in (users[RoleName.SELLER], other_seller):  # sellers with access: the role's own rights
        SellerGrant.objects.create(user=seller)
    pending = make_user(RoleName.SELLER, first_name="Pending", last_name="Seller")
    branch = make_branch("WH", "Warehouse", city="Phnom Penh")
    other_branch = make_branch("ST", "Store")
    category = make_category("Electronics", description="Devices")
    item = make_item("LAP-1", "Laptop", category=category, barcode="111", reorder_level=5)
    stock(item, branch, 50, reserved=5)
    movement = StockMovement.objects.get(inventory_item=item)
    StockMovement.objects.filter(pk=movement.pk).update(reference_number="OPEN-1", performed_by=users["admin"].pk)
    reservation = StockReservation.objects.create(
        inventory_item=item,
        branch=branch,
        quantity=5,
        status=ReservationStatus.ACTIVE,
        reference_number="RES-1",
        expires_at=timezone.now() + timedelta(hours=1),
        created_by=users["seller"].pk,
    )
    transfer_item = make_item("MOU-1", "Mouse", category=category, reorder_level=10)
    stock(transfer_item, branch, 10)
    transfer = transfer_dispatch(
        from_branch_id=branch.pk,
        to_branch_id=other_branch.pk,
        lines=[{"inventory_item_id": transfer_item.pk, "quantity": 2}],
        dispatched_by=users["admin"].pk,
        reference_number="TR-1",
    )
    alert = StockAlert.objects.get(inventory_item=transfer_item, branch=branch, status=AlertStatus.OPEN)
    clients = {role: bearer_client(user) for role, user in users.items()}
    session = Session.objects.create(user=other_customer, user_agent="world", ip_address="192.0.2.1")
    order_item = make_item("KEY-1", "Keyboard", category=category, reorder_level=0)  # the orders' own stock
    stock(order_item, branch, 10)
    lines = [{"inventory_item_id": order_item.pk, "quantity": 1}]
    order = order_place(customer_id=users[RoleName.CUSTOMER].pk, branch_id=branch.pk, lines=lines)
    other_order = order_place(customer_id=other_customer.pk, branch_id=branch.pk, lines=lines)
    return World(
        users, clients, other_customer, other_seller, branch, other_branch, category, item, movement, reservation,
        session, transfer, alert, order, other_order, bearer_client(pending),
    )  # fmt: skip


# -- database dumps ---------------------------------------------------------------------------
APP_MODELS = [
    m for label in ("auth_app", "inventory_app", "order_app") for m in apps.get_app_config(label).get_models()
]


def db_dump(*, ignore: tuple[str, ...] = ()) -> dict[str, list[dict]]:
    """Every row of both apps' tables (the world is small), minus the ``ignore`` columns."""
    return {
        model.__name__: [
            {k: v for k, v in row.items() if k not in ignore} for row in model.objects.order_by("pk").values()
        ]
        for model in APP_MODELS
    }


def db_fingerprint() -> dict[str, str]:
    """A digest of every row of both apps' tables, in one query (cheap enough to take after each
    hostile request; ``db_dump`` shows the rows when a difference must be explained)."""
    parts = " UNION ALL ".join(
        f"SELECT '{table}', md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {table} t"  # noqa: S608
        for table in (m._meta.db_table for m in APP_MODELS)  # model metadata, no user text
    )
    with connection.cursor() as cursor:
        cursor.execute(parts)
        return dict(cursor.fetchall())


class isolated:  # noqa: N801 - used like a function: ``with isolated(): ...``
    """A savepoint rolled back on exit: each hostile request starts from the same rows, and a
    database error inside cannot poison the test's transaction."""

    def __enter__(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()

    def __exit__(self, *exc):
        transaction.set_rollback(True)
        return self.atomic.__exit__(*exc)


# -- requests and envelopes -------------------------------------------------------------------
def send(client: APIClient, method: str, url: str, body: Any = None, **extra):
    if body is None:
        return client.generic(method, url, **extra)
    return client.generic(method, url, json.dumps(body), content_type="application/json", **extra)


def assert_contract_answer(response, *, allowed_4xx: dict[int, set[str]] | None = None) -> dict:
    """Never a 5xx; a 4xx is the error envelope with a code; a 2xx the success envelope."""
    status = response.status_code
    assert status < 500, (status, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    if status >= 400:
        assert set(body) == ENVELOPE_KEYS, body
        assert (body["success"], body["data"]) == (False, None)
        assert set(body["error"]) == {"code", "message", "details"}
        assert isinstance(body["error"]["code"], str)
        assert body["error"]["code"]
        if allowed_4xx is not None:
            assert body["error"]["code"] in allowed_4xx.get(status, set()), (status, body)
    else:
        assert body["success"] is True, body
        assert body["error"] is None, body
    return body


def assert_valid_list(body: dict) -> None:
    assert isinstance(body["data"], list)
    meta = body["meta"]
    assert set(meta) - {"scoped"} == {"total", "limit", "offset", "page", "pageSize", "totalPages"}  # §26: mine
    assert len(body["data"]) <= meta["limit"]


MOVEMENT_TYPES = MovementType.values
