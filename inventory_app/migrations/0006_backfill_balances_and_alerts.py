"""Fill the ledger balances of existing movements and open the stock alerts the current stock
calls for (docs/api.md §28, §29a).

Balances: per (item, branch), the running sum of the signed movements in ledger order
(``created_at``, ``id``), written on the side each movement changed. Alerts: one OPEN alert per
stock row of an active item at an active branch whose available quantity is at or below the
item's reorder level. No e-mail is sent for alerts opened here.

The SQL is frozen here on purpose (a migration must not follow later changes of the app code).
"""

from django.db import migrations

MOVEMENTS = '"inventory_schema"."stock_movements"'
STOCK = '"inventory_schema"."stock_levels"'
ITEMS = '"inventory_schema"."inventory_items"'
BRANCHES = '"inventory_schema"."branches"'
ALERTS = '"inventory_schema"."stock_alerts"'

BACKFILL_BALANCES = f"""
WITH sides AS (
    SELECT id, created_at, inventory_item_id, to_branch_id AS branch_id, 'to' AS side, quantity::bigint AS delta
    FROM {MOVEMENTS}
    WHERE to_branch_id IS NOT NULL
      AND movement_type IN ('IN', 'RETURN', 'TRANSFER', 'ADJUSTMENT', 'TRANSFER_IN')
    UNION ALL
    SELECT id, created_at, inventory_item_id, from_branch_id, 'from', -quantity::bigint
    FROM {MOVEMENTS}
    WHERE from_branch_id IS NOT NULL
      AND (movement_type IN ('OUT', 'TRANSFER', 'TRANSFER_OUT') OR (movement_type = 'ADJUSTMENT' AND to_branch_id IS NULL))
), running AS (
    SELECT id, side,
           SUM(delta) OVER (PARTITION BY inventory_item_id, branch_id ORDER BY created_at, id
                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS balance
    FROM sides
), per_movement AS (
    SELECT id, MAX(balance) FILTER (WHERE side = 'from') AS from_balance,
               MAX(balance) FILTER (WHERE side = 'to') AS to_balance
    FROM running GROUP BY id
)
UPDATE {MOVEMENTS} m
SET from_balance_after = p.from_balance, to_balance_after = p.to_balance
FROM per_movement p WHERE p.id = m.id
"""

OPEN_ALERTS = f"""
INSERT INTO {ALERTS} (id, inventory_item_id, branch_id, status, available_at_open, reorder_level_at_open, opened_at)
SELECT gen_random_uuid(), s.inventory_item_id, s.branch_id, 'OPEN', s.quantity - s.reserved_quantity,
       i.reorder_level, now()
FROM {STOCK} s
JOIN {ITEMS} i ON i.id = s.inventory_item_id
JOIN {BRANCHES} b ON b.id = s.branch_id
WHERE i.is_active AND b.is_active AND s.quantity - s.reserved_quantity <= i.reorder_level
ON CONFLICT (inventory_item_id, branch_id) WHERE status = 'OPEN' DO NOTHING
"""


class Migration(migrations.Migration):
    dependencies = [("inventory_app", "0005_multi_branch_operations")]

    operations = [
        migrations.RunSQL(
            BACKFILL_BALANCES,
            reverse_sql=f"UPDATE {MOVEMENTS} SET from_balance_after = NULL, to_balance_after = NULL",
        ),
        migrations.RunSQL(OPEN_ALERTS, reverse_sql=f"DELETE FROM {ALERTS}"),
    ]
