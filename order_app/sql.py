"""Every hand-written SQL statement of the order service, in one place
(docs/architecture.md §3.11): composed with psycopg's ``sql`` module, tables from the models' ``db_table``
(``natjoub.db.sql.table``), column lists from the models' concrete fields, values bound as
``%(name)s``. Used by ``order_app.services`` where one statement replaces several ORM calls of a
hot write (a placement, a fulfil: bench/results/notes.md)."""

from __future__ import annotations

from django.db import connection

from natjoub.db.sql import render, sql, table
from order_app.models import NUMBER_SEQUENCE, Order, OrderEvent, OrderLine

ORDERS, LINES, EVENTS = table(Order), table(OrderLine), table(OrderEvent)

ORDER_FIELDS = tuple(Order._meta.concrete_fields)
LINE_FIELDS = tuple(OrderLine._meta.concrete_fields)
EVENT_FIELDS = tuple(OrderEvent._meta.concrete_fields)


def _columns(fields) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(field.column) for field in fields)


def _values(prefix: str, fields) -> sql.Composed:
    """``%(<prefix><attname>)s`` per field: services.bind_row binds them."""
    return sql.SQL(", ").join(sql.Placeholder(f"{prefix}{field.attname}") for field in fields)


def _arrays(prefix: str, fields) -> sql.Composed:
    """``%(<prefix><attname>)s::<type>[]`` per field, for ``unnest``: one array per column."""
    return sql.SQL(", ").join(
        sql.SQL("{}::{}[]").format(sql.Placeholder(f"{prefix}{field.attname}"), sql.SQL(field.db_type(connection)))
        for field in fields
    )


# The open-order count of docs/api.md §37.3 and, when it is under the limit, the order's number
# (no number is taken for a refused order). Runs after the customer's advisory lock, in a
# statement of its own: a statement sees the data committed when it starts, and it must see the
# placements that held the lock before. Binds: customer, open statuses, now, limit.
OPEN_COUNT_AND_NUMBER = render(
    sql.SQL("""
        SELECT c.n, CASE WHEN c.n < %(limit)s THEN nextval({sequence}) END
        FROM (SELECT count(*) AS n FROM {orders}
              WHERE customer_id = %(customer)s AND status = ANY(%(open)s) AND expires_at > %(now)s) AS c
    """).format(orders=ORDERS, sequence=sql.Literal(NUMBER_SEQUENCE))
)

# A placement's order, its lines (arrays, one per column) and its PLACED event in one statement
# (the lines' and event's foreign keys are checked at its end). Binds ``order_*``, ``line_*``
# arrays, ``event_*``.
PLACE = render(
    sql.SQL("""
        WITH placed AS (INSERT INTO {orders} ({order_columns}) VALUES ({order_values})),
             lines AS (INSERT INTO {lines} ({line_columns}) SELECT * FROM unnest({line_arrays}))
        INSERT INTO {events} ({event_columns}) VALUES ({event_values})
    """).format(
        orders=ORDERS,
        order_columns=_columns(ORDER_FIELDS),
        order_values=_values("order_", ORDER_FIELDS),
        lines=LINES,
        line_columns=_columns(LINE_FIELDS),
        line_arrays=_arrays("line_", LINE_FIELDS),
        events=EVENTS,
        event_columns=_columns(EVENT_FIELDS),
        event_values=_values("event_", EVENT_FIELDS),
    )
)

# A fulfil's order side in one statement, before its stock part (services.order_fulfil): the
# lines' fulfilled quantities, the FULFILLED event, the order's columns. Binds ``line_ids``,
# ``fulfilled``, ``event_*``, and the order's ``id``, ``status``, ``total``, ``fulfilled_at``,
# ``updated_at``.
FULFIL = render(
    sql.SQL("""
        WITH lines AS (
            UPDATE {lines} l SET fulfilled_quantity = v.q
            FROM unnest(%(line_ids)s::uuid[], %(fulfilled)s::int[]) AS v(id, q) WHERE l.id = v.id
        ), event AS (INSERT INTO {events} ({event_columns}) VALUES ({event_values}))
        UPDATE {orders} SET status = %(status)s, total = %(total)s, fulfilled_at = %(fulfilled_at)s,
                            expires_at = NULL, updated_at = %(updated_at)s
        WHERE id = %(id)s
    """).format(
        lines=LINES,
        events=EVENTS,
        event_columns=_columns(EVENT_FIELDS),
        event_values=_values("event_", EVENT_FIELDS),
        orders=ORDERS,
    )
)
