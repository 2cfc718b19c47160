"""Every hand-written SQL statement of the inventory, in one place (docs/architecture.md §3.11).

Composed with psycopg's ``sql`` module: tables are ``Identifier``s from the models' ``db_table``
(``"inventory_schema"."stock_levels"``, …; §3.1), constants ``Literal``s, values ``%s`` /
``%(name)s`` placeholders the services bind. Each statement is rendered once, at import
(``natjoub.db.sql.render``); a statement with variants is a small function over its few shapes,
each rendered once. The services say which statement runs with which values, in the order of
their steps (services.ledger).
"""

from __future__ import annotations

import functools

from inventory_app.models import (
    AlertStatus,
    Branch,
    BranchAssignment,
    Category,
    InventoryItem,
    SellerGrant,
    StockAlert,
    StockLevel,
    StockMovement,
    StockReservation,
)
from natjoub.db.sql import render, sql, table

ALERTS = table(StockAlert)
BRANCHES = table(Branch)
CATEGORIES = table(Category)
ITEMS = table(InventoryItem)
MOVEMENTS = table(StockMovement)
RESERVATIONS = table(StockReservation)
STOCK = table(StockLevel)
GRANTS = table(SellerGrant)
ASSIGNMENTS = table(BranchAssignment)

_TABLES = {
    "alerts": ALERTS,
    "branches": BRANCHES,
    "categories": CATEGORIES,
    "items": ITEMS,
    "movements": MOVEMENTS,
    "reservations": RESERVATIONS,
    "stock": STOCK,
    "grants": GRANTS,
    "assignments": ASSIGNMENTS,
}


def _compose(text: str, **parts: sql.Composable) -> sql.Composed:
    """``text`` with ``{stock}``, ``{items}``, … naming the tables, plus ``parts``."""
    return sql.SQL(text).format(**{**_TABLES, **parts})


def _statement(text: str, **parts: sql.Composable) -> str:
    return render(_compose(text, **parts))


# -- stock alerts (services.alerts, docs/api.md §29a) ------------------------------------------
_NOW = sql.Placeholder("now")


def alert_ctes(source: str, now: sql.Composable = _NOW) -> sql.Composed:
    """CTEs that open and resolve the alerts of the rows ``source`` yields (a CTE with
    ``inventory_item_id, branch_id, available``); the statement must select from ``alert_opened``
    (the ids of the alerts it opened) and bind ``%(now)s`` (or give ``now``, an expression)."""
    return _compose(
        """
    , alert_state AS (
        SELECT src.inventory_item_id, src.branch_id, src.available, i.reorder_level,
               (i.is_active AND b.is_active AND src.available <= i.reorder_level) AS low
        FROM {source} src
        JOIN {items} i ON i.id = src.inventory_item_id
        JOIN {branches} b ON b.id = src.branch_id
    ), alert_resolved AS (
        UPDATE {alerts} a SET status = {resolved}, resolved_at = {now}
        FROM alert_state st
        WHERE NOT st.low AND a.status = {open}
          AND a.inventory_item_id = st.inventory_item_id AND a.branch_id = st.branch_id
        RETURNING a.id
    ), alert_opened AS (
        INSERT INTO {alerts}
            (id, inventory_item_id, branch_id, status, available_at_open, reorder_level_at_open, opened_at)
        SELECT gen_random_uuid(), st.inventory_item_id, st.branch_id, {open}, st.available,
               st.reorder_level, {now}
        FROM alert_state st WHERE st.low
        ON CONFLICT (inventory_item_id, branch_id) WHERE status = {open} DO NOTHING
        RETURNING id
    )
    """,
        source=sql.Identifier(source),
        now=now,
        resolved=sql.Literal(AlertStatus.RESOLVED.value),
        open=sql.Literal(AlertStatus.OPEN.value),
    )


_SYNC_CONDITIONS = {
    "item": "s.inventory_item_id = %(item)s",
    "branch": "s.branch_id = %(branch)s",
    "pairs": "(s.inventory_item_id, s.branch_id) IN (SELECT * FROM unnest(%(items)s::uuid[], %(branches)s::uuid[]))",
}


@functools.cache
def alerts_sync(*, item: bool, branch: bool, pairs: bool) -> str:
    """Lock the stock rows of an item, a branch and/or (item, branch) pairs (binding ``%(item)s``,
    ``%(branch)s``, ``%(items)s``/``%(branches)s``; all rows when none) and open and resolve their
    alerts; yields the ids of the alerts opened."""
    chosen = [name for name, wanted in (("item", item), ("branch", branch), ("pairs", pairs)) if wanted]
    where = sql.SQL(" AND ").join(sql.SQL(_SYNC_CONDITIONS[name]) for name in chosen) if chosen else sql.SQL("TRUE")
    return _statement(
        """
        WITH locked AS (
            SELECT s.inventory_item_id, s.branch_id, s.quantity - s.reserved_quantity AS available
            FROM {stock} s WHERE {where} ORDER BY s.id FOR UPDATE
        ) {alerts_of_locked}
        SELECT id FROM alert_opened
    """,
        where=where,
        alerts_of_locked=alert_ctes("locked"),
    )


# -- the steps of every stock write (services.ledger, docs/architecture.md §3.3) ---------------
@functools.cache
def lock_named(*, every: bool) -> str:
    """The named items and branches, locked ``FOR KEY SHARE``, each branch with ``allowed``: with
    ``every`` the caller may act everywhere, else at the branch ids bound after the item ids.
    Binds: item ids, [the caller's branch ids,] branch ids."""
    allowed = sql.SQL("TRUE") if every else sql.SQL("(b.id = ANY(%s::uuid[]))")
    return _statement(
        """
        WITH i AS (SELECT id, name, sku FROM {items} WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE),
             br AS (SELECT b.id, b.name, {allowed} AS allowed FROM {branches} b
                    WHERE b.id = ANY(%s) ORDER BY b.id FOR KEY SHARE OF b)
        SELECT TRUE, id, name, sku, NULL::bool FROM i
        UNION ALL SELECT FALSE, id, name, NULL, allowed FROM br
    """,
        allowed=allowed,
    )


NAMED_ROWS_EXIST = _statement(
    """
            SELECT (SELECT count(*) FROM {items} WHERE id = %s),
                   ARRAY(SELECT b.id FROM {branches} b WHERE b.id = ANY(%s))
            """
)

ENSURE_ROWS = _statement(
    """
            INSERT INTO {stock} (id, inventory_item_id, branch_id, quantity, reserved_quantity, updated_at)
            SELECT gen_random_uuid(), item, branch, 0, 0, now()
            FROM unnest(%s::uuid[], %s::uuid[]) AS p(item, branch)
            ON CONFLICT (inventory_item_id, branch_id) DO NOTHING
            RETURNING inventory_item_id, branch_id
            """
)

DISCARD_ROWS = _statement(
    """
            DELETE FROM {stock}
            WHERE (inventory_item_id, branch_id) IN (SELECT * FROM unnest(%s::uuid[], %s::uuid[]))
              AND quantity = 0 AND reserved_quantity = 0
            """
)

LOCK_ROWS = _statement(
    """
    SELECT id, inventory_item_id, branch_id, quantity, reserved_quantity FROM {stock}
    WHERE inventory_item_id = ANY(%s) AND branch_id = ANY(%s) ORDER BY id FOR UPDATE
"""
)

UPSERT_LOCK_ROW = _statement(
    """
    INSERT INTO {stock} AS s (id, inventory_item_id, branch_id, quantity, reserved_quantity, updated_at)
    VALUES (gen_random_uuid(), %s, %s, 0, 0, now())
    ON CONFLICT (inventory_item_id, branch_id) DO UPDATE SET quantity = s.quantity
    RETURNING s.id, s.inventory_item_id, s.branch_id, s.quantity, s.reserved_quantity
"""
)

EXPIRE_DUE = _statement(
    """
            UPDATE {reservations} SET status = %s, updated_at = %s
            WHERE (inventory_item_id, branch_id) IN (SELECT * FROM unnest(%s::uuid[], %s::uuid[]))
              AND status = %s AND expires_at <= %s
            RETURNING inventory_item_id, branch_id, quantity
            """
)


def write_rows(*, alerts: bool = True) -> str:
    """Write locked rows' new values (and ``last_counted_at`` where counted) in one statement that
    also opens and resolves their alerts (a data-modifying CTE: no extra round trip); it yields the
    ids of the alerts it opened."""
    head = _compose(
        """
        WITH incoming AS (
            SELECT * FROM unnest(%(ids)s::uuid[], %(quantities)s::int[], %(reserved)s::int[], %(counted)s::bool[])
                AS v(id, quantity, reserved, counted)
        ), written AS (
            UPDATE {stock} s
            SET quantity = v.quantity, reserved_quantity = v.reserved, updated_at = %(now)s,
                last_counted_at = CASE WHEN v.counted THEN %(now)s ELSE s.last_counted_at END
            FROM incoming v WHERE s.id = v.id
            RETURNING s.inventory_item_id, s.branch_id, s.quantity - s.reserved_quantity AS available
        )
    """
    )
    if not alerts:  # a data-modifying CTE runs all the same
        return render(head + sql.SQL(" SELECT NULL::uuid WHERE FALSE"))
    return render(head + alert_ctes("written") + sql.SQL(" SELECT id FROM alert_opened"))


WRITE_ROWS = write_rows()


# -- a movement (services.stock.movement_create, docs/api.md §12, §28) -------------------------
# Its hot path is two statements: the locks, then the write. Each binds plain values, each value
# once (a client-side bound parameter is quoted on every use: docs/architecture.md §3.8).
@functools.cache
def movement_lock(*, every: bool, increase: bool) -> str:
    """``lock_named`` for a movement's item and (up to two) branches, and, in the same statement,
    the one stock row it changes (``%(row_branch)s``): with ``increase`` created when missing and
    locked (``UPSERT_LOCK_ROW``), else locked if present (``LOCK_ROWS``). The row is touched only
    when no check can fail: the item exists and the ``%(named)s`` branches exist and are allowed
    (the locks on them are taken first, as in every stock write). Yields (0, item id, name, sku),
    (1, branch id, name, allowed) and (2, row id, quantity, reserved). Binds ``%(item)s``,
    ``%(from)s``, ``%(to)s``, ``%(row_branch)s``, ``%(named)s`` [, ``%(mine)s``: the caller's
    branch ids]."""
    allowed = sql.SQL("TRUE") if every else sql.SQL("(b.id = ANY(%(mine)s::uuid[]))")
    if increase:
        row = """INSERT INTO {stock} AS s (id, inventory_item_id, branch_id, quantity, reserved_quantity, updated_at)
            SELECT gen_random_uuid(), %(item)s::uuid, %(row_branch)s::uuid, 0, 0, now() FROM ok WHERE ok.ok
            ON CONFLICT (inventory_item_id, branch_id) DO UPDATE SET quantity = s.quantity
            RETURNING s.id, s.quantity, s.reserved_quantity"""
    else:
        row = """SELECT s.id, s.quantity, s.reserved_quantity FROM {stock} s
            WHERE s.inventory_item_id = %(item)s AND s.branch_id = %(row_branch)s AND (SELECT ok FROM ok)
            FOR UPDATE OF s"""
    return _statement(
        """
        WITH i AS (SELECT id, name, sku FROM {items} WHERE id = %(item)s FOR KEY SHARE),
             br AS (SELECT b.id, b.name, {allowed} AS allowed FROM {branches} b
                    WHERE b.id IN (%(from)s, %(to)s) ORDER BY b.id FOR KEY SHARE OF b),
             ok AS (SELECT EXISTS (SELECT FROM i)
                           AND (SELECT count(*) FROM br WHERE br.allowed) = %(named)s AS ok),
             r AS ({row})
        SELECT 0, id, name, sku, NULL::bool, NULL::int, NULL::int FROM i
        UNION ALL SELECT 1, id, name, NULL, allowed, NULL, NULL FROM br
        UNION ALL SELECT 2, id, NULL, NULL, NULL, quantity, reserved_quantity FROM r
    """,
        allowed=allowed,
        row=sql.SQL(row).format(**_TABLES),
    )


# The movement's columns in the order of its concrete fields; ``created_at`` is the write's
# ``now`` and ``transfer_id`` is NULL (a transfer's movements come from services.transfers).
MOVEMENT_FIELDS = tuple(StockMovement._meta.concrete_fields)
_MOVEMENT_VALUES = {"created_at": sql.SQL("(SELECT now FROM arg)"), "transfer_id": sql.SQL("NULL")}

# The movement's write: its (up to two) locked rows get their new quantities and reserved units
# (``last_counted_at`` = now with ``%(counted)s``: an ADJUSTMENT), their alerts are opened and
# resolved, and the movement is inserted; it yields the ids of the alerts it opened. A row whose
# id is NULL is not written (a movement with one side).
MOVEMENT_WRITE = render(
    _compose(
        """
    WITH arg AS (SELECT %(now)s::timestamptz AS now, %(counted)s::bool AS counted),
    written AS (
        UPDATE {stock} s
        SET quantity = v.quantity, reserved_quantity = v.reserved, updated_at = arg.now,
            last_counted_at = CASE WHEN arg.counted THEN arg.now ELSE s.last_counted_at END
        FROM (VALUES (%(from_row)s::uuid, %(from_quantity)s::int, %(from_reserved)s::int),
                     (%(to_row)s::uuid, %(to_quantity)s::int, %(to_reserved)s::int)) AS v(id, quantity, reserved),
             arg
        WHERE s.id = v.id
        RETURNING s.inventory_item_id, s.branch_id, s.quantity - s.reserved_quantity AS available
    ), inserted AS (INSERT INTO {movements} ({columns}) VALUES ({values}))
    """,
        columns=sql.SQL(", ").join(sql.Identifier(f.column) for f in MOVEMENT_FIELDS),
        values=sql.SQL(", ").join(_MOVEMENT_VALUES.get(f.attname, sql.Placeholder(f.attname)) for f in MOVEMENT_FIELDS),
    )
    + alert_ctes("written", now=sql.SQL("(SELECT now FROM arg)"))
    + sql.SQL(" SELECT id FROM alert_opened")
)

# -- reservations (services.stock, docs/api.md §14) --------------------------------------------
LOCK_DUE_ROWS = _statement(
    """
            SELECT s.id FROM {stock} s
            WHERE EXISTS (
                SELECT 1 FROM {reservations} r
                WHERE r.inventory_item_id = s.inventory_item_id AND r.branch_id = s.branch_id
                  AND r.status = %s AND r.expires_at <= %s
            )
            ORDER BY s.id FOR UPDATE OF s
            """
)

EXPIRE_ALL = _statement(
    """
    WITH due AS (
        UPDATE {reservations} SET status = %(expired)s, updated_at = %(now)s
        WHERE status = %(active)s AND expires_at <= %(now)s
        RETURNING inventory_item_id, branch_id, quantity
    ), sums AS (
        SELECT inventory_item_id, branch_id, SUM(quantity) AS q, COUNT(*) AS n
        FROM due GROUP BY inventory_item_id, branch_id
    ), applied AS (
        UPDATE {stock} s SET reserved_quantity = s.reserved_quantity - sums.q, updated_at = %(now)s
        FROM sums WHERE s.inventory_item_id = sums.inventory_item_id AND s.branch_id = sums.branch_id
        RETURNING s.inventory_item_id, s.branch_id, s.quantity - s.reserved_quantity AS available
    ) {alerts_of_applied}
    SELECT COALESCE((SELECT SUM(n) FROM sums), 0), ARRAY(SELECT id FROM alert_opened)
""",
    alerts_of_applied=alert_ctes("applied"),
)

# -- holds: the inventory's API for other apps (services.holds, docs/api.md §37) ---------------
EXTEND_RESERVATIONS = _statement(
    "UPDATE {reservations} SET expires_at = %s, updated_at = %s WHERE id = ANY(%s) AND status = %s"
)

RELEASE_RESERVATIONS = _statement(
    """
    UPDATE {reservations} SET status = CASE WHEN id = ANY(%s) THEN %s ELSE %s END, updated_at = %s
    WHERE id = ANY(%s) AND status = %s
    RETURNING inventory_item_id, branch_id, quantity
"""
)

RESERVATION_STATES = _statement(
    """SELECT id, inventory_item_id, branch_id, quantity, status, expires_at FROM {reservations}
                WHERE id = ANY(%s)"""
)

OUT_QUANTITIES = _statement(
    """SELECT reference_number, inventory_item_id, from_branch_id, SUM(quantity) FROM {movements}
                WHERE reference_number = ANY(%s) AND movement_type = %s
                GROUP BY reference_number, inventory_item_id, from_branch_id"""
)

BRANCH_BY_CODE = _statement("SELECT id, code, name, is_active FROM {branches} WHERE code = %s")

STOCKED_AT = _statement(
    """SELECT i.id, i.sku, i.name, i.unit_price, i.is_active, s.quantity - s.reserved_quantity
                FROM {stock} s JOIN {items} i ON i.id = s.inventory_item_id
                WHERE s.branch_id = %s AND i.is_active AND s.quantity > s.reserved_quantity
                ORDER BY s.quantity - s.reserved_quantity DESC, i.sku COLLATE "C" LIMIT %s"""
)

# -- reconciliation (services.maintenance, docs/api.md §12, §28) -------------------------------
# Its reads run in one snapshot (a transaction's first statement).
REPEATABLE_READ = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"

# The sides of the ledger: one row per (movement, stock row it changed), with the signed change and
# the balance the movement recorded there, matching the effects of §12 and §27: increases go to
# ``to`` for IN, RETURN, TRANSFER, TRANSFER_IN and ADJUSTMENT; decreases come from ``from`` for OUT,
# TRANSFER, TRANSFER_OUT and an ADJUSTMENT without ``to``. Unused branch fields have no effect.
_SIDES = _compose(
    """
    SELECT id, created_at, inventory_item_id, to_branch_id AS branch_id, quantity::bigint AS delta,
           to_balance_after AS recorded
    FROM {movements}
    WHERE to_branch_id IS NOT NULL
      AND movement_type IN ('IN', 'RETURN', 'TRANSFER', 'TRANSFER_IN', 'ADJUSTMENT')
    UNION ALL
    SELECT id, created_at, inventory_item_id, from_branch_id, -quantity::bigint, from_balance_after
    FROM {movements}
    WHERE from_branch_id IS NOT NULL
      AND (movement_type IN ('OUT', 'TRANSFER', 'TRANSFER_OUT')
           OR (movement_type = 'ADJUSTMENT' AND to_branch_id IS NULL))
"""
)

# Signed ledger per (item, branch).
_LEDGER = _compose(
    """
    SELECT inventory_item_id, branch_id, SUM(delta) AS q FROM ({sides}) sides
    GROUP BY inventory_item_id, branch_id
""",
    sides=_SIDES,
)

# Per (item, branch), the first movement in ledger order (created_at, id) whose recorded balance
# is not the running sum of the ledger up to it (docs/api.md §28).
BALANCE_DRIFT = _statement(
    """
    WITH running AS (
        SELECT inventory_item_id, branch_id, id, created_at, recorded,
               SUM(delta) OVER (PARTITION BY inventory_item_id, branch_id ORDER BY created_at, id
                                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS expected
        FROM ({sides}) sides
    )
    SELECT DISTINCT ON (inventory_item_id, branch_id) inventory_item_id, branch_id, recorded, expected
    FROM running WHERE recorded IS DISTINCT FROM expected
    ORDER BY inventory_item_id, branch_id, created_at, id
""",
    sides=_SIDES,
)

QUANTITY_DRIFT = _statement(
    """
    WITH ledger AS ({ledger})
    SELECT COALESCE(s.inventory_item_id, l.inventory_item_id), COALESCE(s.branch_id, l.branch_id),
           COALESCE(s.quantity, 0), COALESCE(l.q, 0)
    FROM {stock} s
    FULL OUTER JOIN ledger l ON l.inventory_item_id = s.inventory_item_id AND l.branch_id = s.branch_id
    WHERE COALESCE(s.quantity, 0) <> COALESCE(l.q, 0)
    ORDER BY 1, 2
""",
    ledger=_LEDGER,
)

RESERVED_DRIFT = _statement(
    """
    WITH active AS (
        SELECT inventory_item_id, branch_id, SUM(quantity)::bigint AS q FROM {reservations}
        WHERE status = 'ACTIVE' GROUP BY inventory_item_id, branch_id
    )
    SELECT COALESCE(s.inventory_item_id, a.inventory_item_id), COALESCE(s.branch_id, a.branch_id),
           COALESCE(s.reserved_quantity, 0), COALESCE(a.q, 0)
    FROM {stock} s
    FULL OUTER JOIN active a ON a.inventory_item_id = s.inventory_item_id AND a.branch_id = s.branch_id
    WHERE COALESCE(s.reserved_quantity, 0) <> COALESCE(a.q, 0)
    ORDER BY 1, 2
"""
)

PAIR_LEDGER = _statement(
    "SELECT COALESCE(SUM(q), 0) FROM ({ledger}) l WHERE inventory_item_id = %s AND branch_id = %s",
    ledger=_LEDGER,
)

RECOMPUTE_BALANCES = _statement(
    """
            WITH running AS (
                SELECT id, branch_id, delta,
                       SUM(delta) OVER (ORDER BY created_at, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS b
                FROM ({sides}) sides WHERE inventory_item_id = %s AND branch_id = %s
            )
            UPDATE {movements} m
            SET to_balance_after = CASE WHEN r.delta > 0 THEN r.b ELSE m.to_balance_after END,
                from_balance_after = CASE WHEN r.delta < 0 THEN r.b ELSE m.from_balance_after END
            FROM running r WHERE r.id = m.id
            """,
    sides=_SIDES,
)

# -- access (selectors.access, docs/api.md §36) ------------------------------------------------
SELLER_ACCESS = _statement(
    """
    SELECT TRUE, NULL::uuid FROM {grants} WHERE user_id = %s
    UNION ALL
    SELECT FALSE, branch_id FROM {assignments} WHERE user_id = %s
"""
)


# -- low stock (selectors.stock, docs/api.md §13, docs/architecture.md §3.8) -------------------
# The rows migration 0012 flags, through the partial index of 0013. The page walks the branches in
# name order and, for each, its flagged rows by SKU (at most ``stop`` of them: no branch can put
# more on the page), so the first pages join a few branches' rows to their items, not every low
# row; the total counts the flags alone (index-only). Columns in StockLevelOutput's field order.
LOW_STOCK_COLUMNS = (
    "id", "inventory_item_id", "inventory_item__name", "inventory_item__sku", "branch_id", "branch__name",
    "quantity", "reserved_quantity", "available_quantity", "last_counted_at", "updated_at",
)  # fmt: skip


def _low_stock_branches(alias: str, *, branch: bool, scoped: bool) -> sql.Composed:
    """The conditions on the branches of the list: active, ``%(branch)s``, ``%(branches)s``."""
    conditions = ["{b}.is_active"]
    if branch:
        conditions.append("{b}.id = %(branch)s")
    if scoped:
        conditions.append("{b}.id = ANY(%(branches)s::uuid[])")
    return sql.SQL(" AND ".join(conditions)).format(b=sql.Identifier(alias))


@functools.cache
def low_stock_count(*, branch: bool, scoped: bool) -> str:
    """The number of rows of the low-stock list (``branch``: binds ``%(branch)s``; ``scoped``: the
    caller's branch ids ``%(branches)s``)."""
    return _statement(
        "SELECT count(*) FROM {stock} s JOIN {branches} b ON b.id = s.branch_id WHERE s.is_low AND {where}",
        where=_low_stock_branches("b", branch=branch, scoped=scoped),
    )


@functools.cache
def low_stock_page(*, branch: bool, scoped: bool) -> str:
    """Rows ``[%(offset)s:%(stop)s]`` of the low-stock list (``%(limit)s`` of them), each ending
    with the list's total; binds as ``low_stock_count``."""
    return _statement(
        """
        SELECT x.id, x.inventory_item_id, x.item_name, x.sku, b.id, b.name, x.quantity, x.reserved_quantity,
               x.quantity - x.reserved_quantity, x.last_counted_at, x.updated_at, ({total})
        FROM (SELECT id, name FROM {branches} b WHERE {where} ORDER BY name COLLATE "C") b
        CROSS JOIN LATERAL (
            SELECT s.id, s.inventory_item_id, i.name AS item_name, i.sku, s.quantity, s.reserved_quantity,
                   s.last_counted_at, s.updated_at
            FROM {stock} s JOIN {items} i ON i.id = s.inventory_item_id
            WHERE s.is_low AND s.branch_id = b.id
            ORDER BY i.sku COLLATE "C", s.id
            LIMIT %(stop)s
        ) x
        ORDER BY b.name COLLATE "C", x.sku COLLATE "C", x.id
        LIMIT %(limit)s OFFSET %(offset)s
    """,
        total=sql.SQL(low_stock_count(branch=branch, scoped=scoped)),
        where=_low_stock_branches("b", branch=branch, scoped=scoped),
    )


# -- charts (selectors.charts, docs/architecture.md §3.9) --------------------------------------
@functools.cache
def nearest_reorder(*, some_branches: bool) -> str:
    """The stock rows nearest their reorder level (binds ``%(limit)s`` and, with
    ``some_branches``, ``%(branches)s``); see selectors.charts.nearest_reorder."""
    branch_filter = sql.SQL("AND s.branch_id = ANY(%(branches)s)") if some_branches else sql.SQL("")
    return _statement(
        """
        WITH eligible AS NOT MATERIALIZED (
            SELECT s.id, s.quantity - s.reserved_quantity AS available, i.reorder_level,
                   i.sku, i.name, b.code
            FROM {stock} s
            JOIN {items} i ON i.id = s.inventory_item_id AND i.is_active
            JOIN {branches} b ON b.id = s.branch_id AND b.is_active
            WHERE TRUE {branch_filter}
        ),
        least AS (SELECT available - reorder_level AS margin FROM eligible ORDER BY available LIMIT %(limit)s),
        bound AS (
            SELECT (SELECT max(margin) FROM least)
                 + (SELECT reorder_level FROM {items} WHERE is_active ORDER BY reorder_level DESC LIMIT 1)
                 AS available
        )
        SELECT id, sku, name, code, available, reorder_level FROM eligible
        WHERE available <= (SELECT available FROM bound)
        ORDER BY available - reorder_level, available, sku, code
        LIMIT %(limit)s
    """,
        branch_filter=branch_filter,
    )


# -- the category hierarchy: one recursive CTE each way (selectors.catalog, the admin) ---------
# Both stop on data that a race or a manual edit turned into a cycle: walking down with ``UNION``
# (a row seen twice ends the recursion), walking up with a depth cap.
CATEGORY_MAX_DEPTH = 64

# ``SELECT id`` of the category ``%s`` and all its descendants.
CATEGORY_DESCENDANTS = _statement(
    "WITH RECURSIVE tree(id) AS (SELECT id FROM {categories} WHERE id = %s "
    "UNION SELECT c.id FROM {categories} c JOIN tree t ON c.parent_category_id = t.id) SELECT id FROM tree"
)


def _ancestors(start: str, select: str) -> str:
    """``SELECT <select>`` over the category ``start`` (an SQL placeholder) and its ancestors, as
    rows of ``tree_up(id, parent_id, name, depth)`` (depth 0 is the category itself)."""
    return _statement(
        "WITH RECURSIVE tree_up(id, parent_id, name, depth) AS ("
        "SELECT c.id, c.parent_category_id, c.name, 0 FROM {categories} c WHERE c.id = {start} "
        "UNION ALL SELECT p.id, p.parent_category_id, p.name, t.depth + 1 FROM {categories} p "
        "JOIN tree_up t ON p.id = t.parent_id WHERE t.depth < {max_depth}"
        ") SELECT {select} FROM tree_up",
        start=sql.SQL(start),
        select=sql.SQL(select),
        max_depth=sql.Literal(CATEGORY_MAX_DEPTH),
    )


# The ids of the category ``%s`` and its ancestors.
CATEGORY_ANCESTOR_IDS = _ancestors("%s", "id")
# A Django ``Func`` template: the names from the root down to the category ``%(expressions)s``.
CATEGORY_PATH_TEMPLATE = "(" + _ancestors("%(expressions)s", "array_agg(name ORDER BY depth DESC)") + ")"


# -- holds (order service) ---------------------------------------------------------------------
# services.holds (docs/api.md §37): a placement's and a fulfil's stock part in as few statements
# as the steps allow, so the stock rows stay locked for as short a time as possible. Lock order
# inside each statement, as in every stock transaction: the item and branch rows (key share),
# then the stock rows in primary-key order, then the reservations; a scalar subquery over the
# earlier CTE forces it (PostgreSQL runs a CTE when it is first read).
HOLD_LOCK = _statement(
    """
    WITH i AS (SELECT id, sku, name, unit_price, is_active FROM {items}
               WHERE id = ANY(%(items)s::uuid[]) ORDER BY id FOR KEY SHARE),
         b AS (SELECT id, code, name, is_active FROM {branches} WHERE id = %(branch)s FOR KEY SHARE),
         s AS (SELECT id, inventory_item_id, quantity, reserved_quantity FROM {stock}
               WHERE branch_id = %(branch)s AND inventory_item_id = ANY(%(items)s::uuid[])
                 AND (SELECT count(*) FROM i) + (SELECT count(*) FROM b) >= 0
               ORDER BY id FOR UPDATE),
         expired AS (
            UPDATE {reservations} r SET status = %(expired)s, updated_at = %(now)s
            FROM s WHERE r.inventory_item_id = s.inventory_item_id AND r.branch_id = %(branch)s
              AND r.inventory_item_id = ANY(%(items)s::uuid[])
              AND r.status = %(active)s AND r.expires_at <= %(now)s
            RETURNING r.inventory_item_id, r.quantity
         ),
         released AS (SELECT inventory_item_id, SUM(quantity)::int AS q FROM expired GROUP BY inventory_item_id)
    SELECT 0, i.id, i.sku, i.name, i.unit_price, i.is_active, NULL::int, NULL::int, NULL::int FROM i
    UNION ALL SELECT 1, b.id, b.code, b.name, NULL, b.is_active, NULL, NULL, NULL FROM b
    UNION ALL SELECT 2, s.inventory_item_id, NULL, NULL, NULL, NULL, s.quantity, s.reserved_quantity,
                     COALESCE(e.q, 0)
              FROM s LEFT JOIN released e ON e.inventory_item_id = s.inventory_item_id
"""
)
"""``reserve``'s first statement: the facts of the branch and items (``FOR KEY SHARE``), their
stock rows at the branch locked, and the rows' due reservations expired (docs/api.md §14.4).
Rows ``(kind, id, code, name, price, active, quantity, reserved, expired units)``: kind 0 an item,
1 the branch, 2 a stock row (``id`` its item; ``reserved`` before the expiry)."""

HOLD_WRITE = _statement(
    """
    WITH incoming AS (
        SELECT * FROM unnest(%(ids)s::uuid[], %(reserved)s::int[]) AS v(inventory_item_id, reserved)
    ), written AS (
        UPDATE {stock} s SET reserved_quantity = v.reserved, updated_at = %(now)s
        FROM incoming v WHERE s.branch_id = %(branch)s AND s.inventory_item_id = v.inventory_item_id
        RETURNING s.inventory_item_id, s.branch_id, s.quantity - s.reserved_quantity AS available
    ), held AS (
        INSERT INTO {reservations} (id, inventory_item_id, branch_id, quantity, status, reference_number,
                                    expires_at, movement_id, created_by, created_at, updated_at)
        SELECT r.id, r.item, %(branch)s, r.quantity, %(status)s, %(reference)s, %(expires)s, NULL,
               %(created_by)s, %(now)s, %(now)s
        FROM unnest(%(reservations)s::uuid[], %(reservation_items)s::uuid[], %(quantities)s::int[])
            AS r(id, item, quantity)
    ) {alerts_of_written}
    SELECT id FROM alert_opened
""",
    alerts_of_written=alert_ctes("written"),
)
"""``reserve``'s second statement, on rows ``HOLD_LOCK`` locked: their new ``reserved_quantity``
(the expiry and the new holds), the ACTIVE reservations inserted (none when a line is short:
then only the expiry is written), and their alerts opened and resolved."""

_OUT_COLUMNS = sql.SQL(", ").join(
    sql.Identifier(StockMovement._meta.get_field(name).column)
    for name in (
        "id",
        "created_at",
        "inventory_item",
        "from_branch",
        "movement_type",
        "quantity",
        "reference_number",
        "notes",
        "performed_by",
        "from_balance_after",
    )
)

HOLD_SETTLE = _statement(
    """
    WITH v AS (
        SELECT * FROM unnest(%(reservations)s::uuid[], %(items)s::uuid[], %(collected)s::int[],
                             %(movements)s::uuid[]) AS v(id, inventory_item_id, collected, movement_id)
    ), locked AS (
        SELECT id, inventory_item_id FROM {stock}
        WHERE branch_id = %(branch)s AND inventory_item_id = ANY(%(items)s::uuid[]) ORDER BY id FOR UPDATE
    ), settled AS (
        UPDATE {reservations} r
        SET status = CASE WHEN v.collected > 0 THEN %(committed)s ELSE %(released)s END,
            movement_id = CASE WHEN v.collected > 0 THEN v.movement_id END, updated_at = %(now)s
        FROM v
        WHERE r.id = ANY(%(reservations)s::uuid[])
          AND r.id = v.id AND r.inventory_item_id = v.inventory_item_id AND r.branch_id = %(branch)s
          AND r.status = %(active)s AND r.expires_at > %(now)s
          AND (SELECT count(*) FROM locked) >= 0
        RETURNING r.id, r.inventory_item_id, r.quantity, v.collected, v.movement_id
    ), written AS (
        UPDATE {stock} s
        SET quantity = s.quantity - st.collected, reserved_quantity = s.reserved_quantity - st.quantity,
            updated_at = GREATEST(%(now)s, s.updated_at + interval '1 microsecond')
        FROM settled st, locked l
        WHERE s.id = l.id AND l.inventory_item_id = st.inventory_item_id
        RETURNING s.inventory_item_id, s.branch_id, s.quantity AS balance,
                  s.quantity - s.reserved_quantity AS available, s.updated_at AS stamped
    ), moved AS (
        INSERT INTO {movements} ({out_columns})
        SELECT st.movement_id, w.stamped, st.inventory_item_id, %(branch)s, %(out)s, st.collected,
               %(reference)s, %(notes)s, %(performed_by)s, w.balance
        FROM settled st JOIN written w ON w.inventory_item_id = st.inventory_item_id
        WHERE st.collected > 0
        RETURNING id
    ) {alerts_of_written}
    SELECT ARRAY(SELECT id FROM settled), (SELECT count(*) FROM moved), ARRAY(SELECT id FROM alert_opened)
""",
    out_columns=_OUT_COLUMNS,
    alerts_of_written=alert_ctes("written"),
)
"""``settle`` in one statement, the last of a fulfil before its commit: the stock rows locked in
primary-key order, then each ACTIVE, not yet due reservation COMMITTED (or RELEASED when nothing
was collected), the rows' units taken out (the collected part) and unreserved, one OUT movement per
collected line with its ``from_balance_after`` (the quantity this statement wrote; one line per
item), and the rows' alerts opened and resolved. ``now`` is taken before the statement waits for
the rows, so a writer that got them first may have stamped a later time: each movement is stamped
after the row's last write (``updated_at``, read under the lock) so that the ledger's order
(``created_at``, ``id``) stays the order the balances were written in (docs/api.md §28). Yields
(ids of the reservations settled, movements inserted, alert ids opened); one not settled was not
ACTIVE: the caller rolls back."""
