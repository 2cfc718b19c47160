"""Ledger indexes in the movement list's order, ``(…, created_at, id)`` (docs/architecture.md §3.7).

Every way the list is read (all movements, one item, one branch as FROM, one branch as TO) gets an
index whose order is the list's, so a page is a range scan of ``limit`` entries however long the
ledger is. They replace the single-column foreign-key indexes (a leading column serves the
foreign keys as well) and the ``created_at`` index: as many indexes to maintain per write as
before. The foreign keys stay as they are; only their indexes change (Django's ``AlterField``
would drop and re-validate the constraints, a scan of the whole ledger each).

Built and dropped ``CONCURRENTLY`` (so not in one transaction): movements keep being recorded
while the indexes of a large ledger are built (each build reads the whole ledger; a plain
``CREATE INDEX`` would make every write wait meanwhile).
"""

import django.db.models.deletion
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

MOVEMENTS = '"inventory_schema"."stock_movements"'

# Django's names of the foreign-key indexes of 0001 (a hash of table and column: the same in
# every database).
FK_INDEXES = {
    "inventory_item_id": "stock_movements_inventory_item_id_06aae11a",
    "from_branch_id": "stock_movements_from_branch_id_7cdf55cb",
    "to_branch_id": "stock_movements_to_branch_id_63f3801a",
}


def drop_fk_index(column: str) -> migrations.RunSQL:
    name = FK_INDEXES[column]
    return migrations.RunSQL(
        f"DROP INDEX CONCURRENTLY IF EXISTS inventory_schema.{name}",
        reverse_sql=f'CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {MOVEMENTS} ("{column}")',
    )


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("inventory_app", "0007_list_counters")]

    operations = [
        AddIndexConcurrently(
            model_name="stockmovement",
            index=models.Index(fields=["created_at", "id"], name="stock_movements_created_id_idx"),
        ),
        AddIndexConcurrently(
            model_name="stockmovement",
            index=models.Index(fields=["inventory_item", "created_at", "id"], name="stock_movements_item_idx"),
        ),
        AddIndexConcurrently(
            model_name="stockmovement",
            index=models.Index(
                condition=models.Q(("from_branch__isnull", False)),
                fields=["from_branch", "created_at", "id"],
                name="stock_movements_from_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="stockmovement",
            index=models.Index(
                condition=models.Q(("to_branch__isnull", False)),
                fields=["to_branch", "created_at", "id"],
                name="stock_movements_to_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="stockmovement", name="stock_movements_created_idx"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="stockmovement",
                    name="inventory_item",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="movements",
                        to="inventory_app.inventoryitem",
                    ),
                ),
                migrations.AlterField(
                    model_name="stockmovement",
                    name="from_branch",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="outgoing_movements",
                        to="inventory_app.branch",
                    ),
                ),
                migrations.AlterField(
                    model_name="stockmovement",
                    name="to_branch",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incoming_movements",
                        to="inventory_app.branch",
                    ),
                ),
            ],
            database_operations=[drop_fk_index(column) for column in FK_INDEXES],
        ),
    ]
