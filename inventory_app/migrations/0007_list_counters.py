"""Exact list totals of items and movements without COUNT(*) (docs/architecture.md §3.7).

Statement triggers keep these counters in ``natjoub_list_counts`` (names in
``inventory_app/list_counts.py``):

* ``inventory.items``: every item (the unfiltered item list);
* ``inventory.movements``: every movement;
* ``inventory.movements.branch:<id>``: movements leaving or entering the branch, once each (a
  movement whose FROM and TO are the same branch counts once, like the ``branchId`` filter);
* ``inventory.movements.item:<id>``: movements of the item.

Triggers first, then the backfill: ``CREATE TRIGGER`` locks out writers until the migration
commits, so the backfill counts every row written before and the triggers every row after.
The keys are frozen here (a migration must not follow later changes of the app code).
"""

from django.db import migrations

from natjoub.db import counters

MOVEMENTS = '"inventory_schema"."stock_movements"'
ITEMS = '"inventory_schema"."inventory_items"'

MOVEMENT_KEYS = [
    "'inventory.movements'",
    "'inventory.movements.branch:' || r.from_branch_id",
    "CASE WHEN r.to_branch_id IS DISTINCT FROM r.from_branch_id THEN 'inventory.movements.branch:' || r.to_branch_id END",
    "'inventory.movements.item:' || r.inventory_item_id",
]
ITEM_KEYS = ["'inventory.items'"]


def triggers(prefix: str, table: str, keys: list[str], counter: str) -> list[migrations.RunSQL]:
    return [
        migrations.RunSQL(*sql)
        for sql in (
            counters.insert_trigger_sql(f"{prefix}_count_ins", table, keys),
            counters.delete_trigger_sql(f"{prefix}_count_del", table, keys),
            counters.truncate_trigger_sql(f"{prefix}_count_truncate", table, counter),
        )
    ]


def backfill(table: str, keys: list[str], counter: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        counters.backfill_sql(table, keys),
        reverse_sql=f"DELETE FROM {counters.TABLE} WHERE counter = '{counter}' OR counter LIKE '{counter}.%'",  # noqa: S608
    )


class Migration(migrations.Migration):
    dependencies = [
        ("inventory_app", "0006_backfill_balances_and_alerts"),
        ("natjoub", "0002_list_counts"),
    ]

    operations = [
        *triggers("inventory_items", ITEMS, ITEM_KEYS, "inventory.items"),
        backfill(ITEMS, ITEM_KEYS, "inventory.items"),
        *triggers("inventory_movements", MOVEMENTS, MOVEMENT_KEYS, "inventory.movements"),
        backfill(MOVEMENTS, MOVEMENT_KEYS, "inventory.movements"),
    ]
