"""SQL composed in one place per app (docs/architecture.md §3.11): no application module builds
statement text from strings, so ruff's S608 (SQL built by string formatting) holds without a
``noqa``; migrations (not linted) and tests may keep theirs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auth_app import sql as auth_sql
from inventory_app import sql as inventory_sql
from inventory_app.models import StockLevel, StockMovement
from natjoub.db import counters
from natjoub.db.sql import identifier, table

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("auth_app", "inventory_app", "order_app", "natjoub")
S608_WAIVER = re.compile(r"#\s*noqa\s*:[^#\n]*\bS608\b", re.IGNORECASE)


def waivers(text: str) -> list[int]:
    return [number for number, line in enumerate(text.splitlines(), start=1) if S608_WAIVER.search(line)]


@pytest.mark.parametrize(
    "line",
    [
        'sql = f"SELECT * FROM {TABLE}"  # noqa: S608',
        '    """  # noqa: S608 - table names from model metadata',
        "x = 1  # noqa: E501, S608",
        "x = 1  # NOQA:S608",
    ],
)
def test_the_scan_recognises_a_waiver(line):
    assert waivers(line) == [1]


def test_no_application_module_waives_s608():
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in APP_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for number in waivers(path.read_text())
    ]
    assert found == []


def test_tables_come_from_the_models_db_table():
    assert table(StockLevel).as_string() == StockLevel._meta.db_table == '"inventory_schema"."stock_levels"'
    assert identifier("natjoub_cache").as_string() == '"natjoub_cache"'


def test_statements_are_rendered_text_with_bound_values():
    """Rendered once (execute wrappers read strings); values stay placeholders."""
    assert isinstance(inventory_sql.LOCK_ROWS, str)
    head, tail = " ".join(inventory_sql.LOCK_ROWS.split()).split(f" {StockLevel._meta.db_table} ")
    assert head == "SELECT id, inventory_item_id, branch_id, quantity, reserved_quantity FROM"
    assert tail == "WHERE inventory_item_id = ANY(%s) AND branch_id = ANY(%s) ORDER BY id FOR UPDATE"
    assert "%s" in auth_sql.RESET_TOKEN_INSERT
    assert counters.TOTAL == 'SELECT COALESCE(SUM(n), 0) FROM "natjoub_list_counts" WHERE counter = %s'


def test_the_movement_insert_binds_every_concrete_field_in_order():
    fields = StockMovement._meta.concrete_fields
    assert tuple(fields) == inventory_sql.MOVEMENT_FIELDS
    insert = inventory_sql.MOVEMENT_WRITE.split("inserted AS", 1)[1].split("alert_state AS", 1)[0]
    columns, values = re.fullmatch(r"\s*\(INSERT INTO \S+ \((.*)\) VALUES \((.*)\)\)\s*,\s*", insert).groups()
    assert columns.split(", ") == [f'"{f.column}"' for f in fields]
    bound = {"created_at": "(SELECT now FROM arg)", "transfer_id": "NULL"}
    assert values.split(", ") == [bound.get(f.attname, f"%({f.attname})s") for f in fields]
    assert "inserted AS" not in inventory_sql.WRITE_ROWS


def test_a_movement_binds_each_value_once():
    """A client-side bound value is quoted at each use: the movement's statements name each once
    (``now`` in one CTE), except the item id, which the lock statement needs in two places."""
    names = re.findall(r"%\((\w+)\)s", inventory_sql.MOVEMENT_WRITE)
    assert len(names) == len(set(names))
    for every in (True, False):
        for increase in (True, False):
            names = re.findall(r"%\((\w+)\)s", inventory_sql.movement_lock(every=every, increase=increase))
            expected = ["item", "item", "from", "to", "row_branch", "named"] + ([] if every else ["mine"])
            assert sorted(names) == sorted(expected)


def test_statement_variants_differ_only_where_they_should():
    every, some = inventory_sql.lock_named(every=True), inventory_sql.lock_named(every=False)
    assert "TRUE AS allowed" in every
    assert "(b.id = ANY(%s::uuid[])) AS allowed" in some
    assert every.count("%s") + 1 == some.count("%s")
    assert inventory_sql.alerts_sync(item=False, branch=False, pairs=False).count("WHERE TRUE ORDER BY s.id") == 1
    assert "%(branches)s" in inventory_sql.nearest_reorder(some_branches=True)
    assert "%(branches)s" not in inventory_sql.nearest_reorder(some_branches=False)
