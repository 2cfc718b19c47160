"""The order reads compiled once (natjoub/db/compiled.py): each returns what its plain queryset
returns, in the same order, with the values of the call; the lock is a real ``FOR UPDATE``."""

from __future__ import annotations

import uuid

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from order_app.models import OrderEvent, OrderLine
from order_app.selectors import ORDER_EVENTS, ORDER_LINES, _events_of, _lines_of
from order_app.services import LOCKED_ORDER, _order_for_update
from tests.order_app.conftest import act, placed


def columns(instances) -> list[tuple]:
    return [tuple(getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields) for obj in instances]


def test_compiled_order_reads_match_their_querysets(shop, customer, other_customer, admin_client):
    first = placed(customer, shop.branch, (shop.cable, 1), (shop.laptop, 2), (shop.mouse, 3))
    second = placed(other_customer, shop.branch, (shop.mouse, 1))
    assert act(admin_client, first, "confirm").status_code == 200
    for order_id in (uuid.UUID(first["id"]), uuid.UUID(second["id"]), uuid.uuid4()):
        lines, events = ORDER_LINES.fetch(order_id=order_id), ORDER_EVENTS.fetch(order_id=order_id)
        assert columns(lines) == columns(_lines_of(order_id))
        assert columns(events) == columns(_events_of(order_id))
        assert all(isinstance(line, OrderLine) and not line._state.adding for line in lines)
        assert all(isinstance(event, OrderEvent) for event in events)
        with transaction.atomic():
            locked = LOCKED_ORDER.first(order_id=order_id)
            assert columns([locked] if locked else []) == columns(_order_for_update(order_id))
    # the first order's lines in position order, its history oldest first
    lines = ORDER_LINES.fetch(order_id=uuid.UUID(first["id"]))
    assert [line.sku for line in lines] == ["CAB-1", "LAP-1", "MOU-1"]
    assert [e.status for e in ORDER_EVENTS.fetch(order_id=uuid.UUID(first["id"]))] == ["PLACED", "CONFIRMED"]


def test_the_compiled_lock_is_for_update(shop, customer):
    order = placed(customer, shop.branch, (shop.cable, 1))
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        LOCKED_ORDER.first(order_id=uuid.UUID(order["id"]))
    assert len(queries.captured_queries) == 1
    assert "FOR UPDATE" in queries.captured_queries[0]["sql"]
