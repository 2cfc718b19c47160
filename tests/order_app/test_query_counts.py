"""Statement counts that must not grow (docs/api.md §37.3: placing does not grow with the lines;
lists and one order do not grow with their rows)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_item, stock
from tests.order_app.conftest import ORDERS, act, place, placed


def statements(call) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code in (200, 201), response.content
    return [q["sql"] for q in queries.captured_queries]


def test_placing_one_line_or_ten_runs_the_same_statements(shop, customer):
    items = [make_item(f"Q-{i}") for i in range(10)]
    for item in items:
        stock(item, shop.branch, 5)
    place(customer, shop.branch, (items[0], 1))  # warm-up (per-process caches)
    one = statements(lambda: place(customer, shop.branch, (items[0], 1)))
    ten = statements(lambda: place(customer, shop.branch, *[(item, 2) for item in items]))
    assert len(one) == len(ten), "\n".join(["1 line:", *one, "", "10 lines:", *ten])


def test_reads_and_fulfil_do_not_grow_with_the_lines(shop, customer, admin_client):
    items = [make_item(f"Q-{i}") for i in range(10)]
    for item in items:
        stock(item, shop.branch, 5)
    small = placed(customer, shop.branch, (items[0], 1))
    large = placed(customer, shop.branch, *[(item, 1) for item in items])
    for order in (small, large):
        assert act(admin_client, order, "confirm").status_code == 200
    gets = [statements(lambda o=o: customer.get(f"{ORDERS}/{o['id']}")) for o in (small, large)]
    assert len(gets[0]) == len(gets[1])
    fulfils = [
        statements(lambda o=o: act(admin_client, o, "fulfil", {"pickupCode": o["pickupCode"]})) for o in (small, large)
    ]
    assert len(fulfils[0]) == len(fulfils[1]), "\n".join(["1:", *fulfils[0], "", "10:", *fulfils[1]])
    few = statements(lambda: customer.get(ORDERS))
    for _ in range(5):
        placed(customer, shop.branch, (shop.mouse, 1))
    many = statements(lambda: customer.get(ORDERS))
    assert len(few) == len(many)


def test_placing_reads_back_nothing_it_wrote(shop, customer):
    """The response and the placed mails use the lines and event as written (order_app/services.py
    ``_create``): no SELECT of order lines or events, and the same rendering as a later GET."""
    items = [make_item(f"R-{i}") for i in range(3)]
    for item in items:
        stock(item, shop.branch, 5)
    place(customer, shop.branch, (items[0], 1))  # warm-up (per-process caches)
    with CaptureQueriesContext(connection) as queries:
        response = place(customer, shop.branch, (items[2], 2), (items[0], 1), (items[1], 3))
    assert response.status_code == 201, response.content
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert not [sql for sql in reads if '"order_lines"' in sql or '"order_events"' in sql], reads
    order = response.json()["data"]
    again = customer.get(f"{ORDERS}/{order['id']}").json()["data"]
    assert order["lines"] == again["lines"]
    assert order["history"] == again["history"]
    assert [line["sku"] for line in order["lines"]] == ["R-2", "R-0", "R-1"]


def transaction_of(sqls: list[str]) -> list[str]:
    """The statements of the request's transaction (under the test's own, its outermost block is
    a savepoint): from after ``SAVEPOINT x`` to ``RELEASE SAVEPOINT x``."""
    start = next(i for i, sql in enumerate(sqls) if sql.startswith("SAVEPOINT"))
    name = sqls[start].split()[1]
    end = sqls.index(f"RELEASE SAVEPOINT {name}")
    return sqls[start + 1 : end]


def locks_stock_rows(sql: str) -> bool:
    return '"stock_levels"' in sql and "FOR UPDATE" in sql


def test_a_placement_is_six_statements_with_the_stock_rows_locked_for_the_last_four(shop, customer):
    """bench/results/notes.md (order placement): the advisory lock, the open-order count with the
    number, ``holds.reserve``'s two, one insert of order, lines and event, the outbox row of its
    mails (15 with the savepoints, the separate count/number/inserts and reserve's five before).
    The outbox row comes last: a placement refused for stock commits (its expiries stand) and
    must leave no mail behind."""
    place(customer, shop.branch, (shop.mouse, 1))  # warm-up; leaves a reservation to look at for expiry
    sqls = transaction_of(statements(lambda: place(customer, shop.branch, (shop.mouse, 1), (shop.cable, 2))))
    assert len(sqls) == 6, "\n".join(sqls)
    locked = next(i for i, sql in enumerate(sqls) if locks_stock_rows(sql))
    assert len(sqls) - locked == 4, "\n".join(sqls)
    assert "mail_outbox" in sqls[-1], sqls[-1]


def test_a_fulfil_locks_the_stock_rows_in_its_last_statement(shop, customer, admin_client):
    """bench/results/notes.md (fulfil): the order lock, its lines, the order side in one
    statement, then the stock part in one statement right before the commit: the stock rows
    every fulfil at the branch takes are held for one statement (eight before)."""
    order = placed(customer, shop.branch, (shop.mouse, 1), (shop.cable, 2))
    assert act(admin_client, order, "confirm").status_code == 200
    sqls = transaction_of(statements(lambda: act(admin_client, order, "fulfil", {"pickupCode": order["pickupCode"]})))
    assert len(sqls) == 4, "\n".join(sqls)
    assert [i for i, sql in enumerate(sqls) if locks_stock_rows(sql)] == [3], "\n".join(sqls)
