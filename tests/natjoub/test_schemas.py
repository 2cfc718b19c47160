"""Schema per app (docs/architecture.md §3.1), proven from pg_catalog."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models
from django.test.utils import isolate_apps

from auth_app.models import Role
from inventory_app.models import Branch
from natjoub.db.checks import check_app_schemas
from tests.factories import BranchFactory

CORE_TABLES_IN_INVENTORY_SCHEMA = {"idempotency_keys"}


def tables_by_schema() -> dict[str, set[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('public', 'auth_schema', 'inventory_schema')
            """
        )
        found: dict[str, set[str]] = {}
        for schema, table in cursor.fetchall():
            found.setdefault(schema, set()).add(table)
    return found


def model_tables(app_label: str) -> set[str]:
    return {m._meta.db_table.split('"."')[1].rstrip('"') for m in apps.get_app_config(app_label).get_models()}


@pytest.mark.django_db
def test_every_app_table_is_in_its_schema_and_none_in_public():
    found = tables_by_schema()
    auth_tables, inventory_tables = model_tables("auth_app"), model_tables("inventory_app")
    assert auth_tables == {
        "roles",
        "users",
        "credentials",
        "refresh_tokens",
        "sessions",
        "token_blacklist",
        "password_reset_tokens",
    }
    assert inventory_tables == {
        "branches", "categories", "inventory_items", "stock_levels", "stock_movements", "stock_reservations",
        "branch_assignments", "stock_transfers", "stock_transfer_lines", "stock_alerts",  # docs/api.md §26-§29a
        "seller_grants",  # docs/api.md §36
    }  # fmt: skip
    # the core's idempotency keys stayed in the table the inventory app created (natjoub 0001); its
    # list counters live in public like Django's own tables
    core = {m._meta.db_table for m in apps.get_app_config("natjoub").get_models()}
    assert core == {'"inventory_schema"."idempotency_keys"', "natjoub_list_counts"}
    assert found["auth_schema"] == auth_tables
    assert found["inventory_schema"] == inventory_tables | CORE_TABLES_IN_INVENTORY_SCHEMA
    assert not (auth_tables | inventory_tables) & found["public"]
    assert {"django_migrations", "django_session", "natjoub_cache", "natjoub_list_counts"} <= found["public"]


@pytest.mark.django_db
def test_introspection_lists_schema_tables_qualified():
    names = set(connection.introspection.table_names())
    assert '"auth_schema"."users"' in names
    assert '"inventory_schema"."stock_levels"' in names
    constraints = connection.introspection.get_constraints(connection.cursor(), '"inventory_schema"."stock_levels"')
    assert "stock_levels_item_branch_uniq" in constraints


@pytest.mark.django_db(transaction=True)
def test_flush_empties_schema_tables():
    BranchFactory()
    assert Role.objects.exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not Branch.objects.exists()
    assert not Role.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_migrating_to_zero_and_back():
    call_command("migrate", "inventory_app", "zero", verbosity=0)
    assert "inventory_schema" not in tables_by_schema()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'inventory_schema'")
        assert cursor.fetchone() is None
    call_command("migrate", verbosity=0)  # every app: the core's later migrations were unapplied too
    assert tables_by_schema()["inventory_schema"] == model_tables("inventory_app") | CORE_TABLES_IN_INVENTORY_SCHEMA


def test_qualified_table_rename_moves_between_schemas(transactional_db):
    from django.db import connection as conn

    with conn.schema_editor() as editor:
        editor.execute('CREATE TABLE "inventory_schema"."rename_probe" (id int)')
        editor.alter_db_table(None, '"inventory_schema"."rename_probe"', '"auth_schema"."renamed_probe"')
    found = tables_by_schema()
    assert "renamed_probe" in found["auth_schema"]
    assert "rename_probe" not in found["inventory_schema"]
    with conn.schema_editor() as editor:
        editor.execute('DROP TABLE "auth_schema"."renamed_probe"')


@isolate_apps("inventory_app")
def test_check_fires_for_a_model_outside_its_schema():
    class Misplaced(models.Model):
        class Meta:
            app_label = "inventory_app"
            db_table = "misplaced"

    class Elsewhere(models.Model):
        class Meta:
            app_label = "inventory_app"
            db_table = '"auth_schema"."elsewhere"'

    errors = check_app_schemas(app_configs=[Misplaced._meta.apps.get_app_config("inventory_app")])
    assert {e.id for e in errors} == {"natjoub.E001"}
    assert {e.obj for e in errors} == {"inventory_app.Misplaced", "inventory_app.Elsewhere"}


def test_check_passes_for_the_real_models():
    assert check_app_schemas() == []


@pytest.mark.django_db(transaction=True)
@isolate_apps("inventory_app")
def test_a_foreign_key_of_a_schema_table_can_be_dropped():
    """Django makes the constraint IMMEDIATE before dropping it; with a bare name PostgreSQL would
    look for it on the search path and fail for a table in a mapped schema."""

    class Parent(models.Model):
        class Meta:
            app_label = "inventory_app"
            db_table = '"inventory_schema"."fk_probe_parent"'

    class Child(models.Model):
        parent = models.ForeignKey(Parent, on_delete=models.CASCADE)

        class Meta:
            app_label = "inventory_app"
            db_table = '"inventory_schema"."fk_probe_child"'

    old_field = Child._meta.get_field("parent")
    new_field = models.ForeignKey(Parent, on_delete=models.CASCADE, db_constraint=False)
    new_field.set_attributes_from_name("parent")
    new_field.model = Child
    with connection.schema_editor() as editor:
        editor.create_model(Parent)
        editor.create_model(Child)
    try:
        with connection.schema_editor() as editor:
            editor.alter_field(Child, old_field, new_field)
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, Child._meta.db_table)
        assert not [name for name, info in constraints.items() if info["foreign_key"]]
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Child)
            editor.delete_model(Parent)


@pytest.mark.django_db(transaction=True)
@isolate_apps("inventory_app")
def test_an_index_of_a_schema_table_can_be_dropped():
    """Django drops an index by its bare name; for a schema table that name is not on the search
    path, and ``DROP INDEX IF EXISTS`` used to drop nothing without a word."""

    class Indexed(models.Model):
        code = models.IntegerField()

        class Meta:
            app_label = "inventory_app"
            db_table = '"inventory_schema"."index_probe"'
            indexes = [models.Index(fields=["code"], name="index_probe_code_idx")]

    def indexes() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'index_probe'")
            return {row[0] for row in cursor.fetchall()}

    with connection.schema_editor() as editor:
        editor.create_model(Indexed)
    try:
        assert "index_probe_code_idx" in indexes()
        with connection.schema_editor() as editor:
            editor.remove_index(Indexed, Indexed._meta.indexes[0])
        assert "index_probe_code_idx" not in indexes()
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Indexed)
