"""natjoub/db/prepared.py: the hot statements are prepared once per connection, and still go
through everything Django's own cursors go through (query logging, execute wrappers, metrics)."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django_prometheus.db.metrics import execute_total

from inventory_app import services
from inventory_app.models import StockMovement
from natjoub.db.prepared import prepared_cursor
from tests.factories import make_branch, make_item

pytestmark = pytest.mark.django_db

STATEMENT = "SELECT %(n)s::int + 1 AS prepared_probe"


def prepared_statements(text: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{text}%"])
        return cursor.fetchone()[0]


def test_a_statement_is_prepared_once_per_connection():
    for n in range(3):
        with prepared_cursor(connection) as cursor:
            cursor.execute(STATEMENT, {"n": n})
            assert cursor.fetchone() == (n + 1,)
    assert prepared_statements("prepared_probe") == 1


def test_django_sees_each_statement():
    seen = []

    def wrapper(execute, sql, params, many, context):  # e.g. the replica routing's write watch
        seen.append(sql)
        return execute(sql, params, many, context)

    labels = (connection.alias, connection.vendor)
    before = execute_total.labels(*labels)._value.get()
    with (
        CaptureQueriesContext(connection) as queries,
        connection.execute_wrapper(wrapper),
        prepared_cursor(connection) as cursor,
    ):
        cursor.execute(STATEMENT, {"n": 41})
        assert cursor.fetchone() == (42,)
    assert seen == [STATEMENT]
    (captured,) = [q["sql"] for q in queries.captured_queries]
    assert STATEMENT in captured
    assert "41" in captured
    assert execute_total.labels(*labels)._value.get() == before + 1


@override_settings(DATABASE_TRANSACTION_POOLING=True)
def test_nothing_is_prepared_behind_a_transaction_pooler():
    with prepared_cursor(connection) as cursor:
        cursor.execute(STATEMENT.replace("prepared_probe", "pooled_probe"), {"n": 1})
    assert prepared_statements("pooled_probe") == 0


def test_a_movement_prepares_its_two_statements():
    item, branch = make_item("PREP-1"), make_branch("PREP")
    extra = {"unit_price": Decimal("2.50"), "reference_number": "R-1", "notes": "n", "performed_by": uuid.uuid4()}
    movements = [  # values of every size and null-ness: still one prepared statement each
        ("IN", 1, {"to_branch_id": branch.pk, "performed_by": None}),
        ("OUT", 1, {"from_branch_id": branch.pk, "performed_by": None}),
        ("IN", 3_000_000_000 // 2, {"to_branch_id": branch.pk, **extra}),
        ("OUT", 40_000, {"from_branch_id": branch.pk, **extra}),
    ]
    for kind, quantity, values in movements:
        with transaction.atomic():
            services.movement_create(inventory_item_id=item.pk, movement_type=kind, quantity=quantity, **values)
    assert StockMovement.objects.count() == 4
    assert StockMovement.objects.filter(unit_price=Decimal("2.50"), notes="n").count() == 2
    assert prepared_statements("stock_movements") == 1  # the write: one, whatever its values
    assert prepared_statements("FOR KEY SHARE") == 2  # the locks: the upsert and the lock variants


def test_the_bearer_lookup_is_prepared(admin_client):
    for _ in range(3):
        assert admin_client.get("/api/v1/admin/auth/profile").status_code == 200
    assert prepared_statements("token_blacklist") == 1  # natjoub.db.compiled: one statement, planned once
