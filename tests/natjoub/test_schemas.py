"""Schema per app (docs/architecture.md §3.1), proven from pg_catalog for every app that
``settings.DB_SCHEMAS`` maps (no list of apps here: a new app is covered by joining the setting) and
for the core's own schema."""

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import isolate_apps

from auth_app.models import Role
from natjoub.db.backend.base import CORE_SCHEMA, mapped_schemas, split_qualified
from natjoub.db.checks import check_app_schemas
from natjoub.models import IdempotencyKey
from tests.factories import BranchFactory

MOVE_MIGRATION = ("natjoub", "0004_idempotency_core_schema")


def tables_by_schema() -> dict[str, set[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%s)
            """,
            [["public", *mapped_schemas()]],
        )
        found: dict[str, set[str]] = {}
        for schema, table in cursor.fetchall():
            found.setdefault(schema, set()).add(table)
    return found


def model_tables(app_label: str) -> set[str]:
    return {split_qualified(m._meta.db_table)[1] for m in apps.get_app_config(app_label).get_models()}


def applied(app_label: str) -> set[str]:
    return {name for app, name in MigrationRecorder(connection).applied_migrations() if app == app_label}


@pytest.mark.django_db
def test_every_app_table_is_in_its_schema_and_none_in_public():
    found = tables_by_schema()
    assert settings.DB_SCHEMAS, "no app is mapped to a schema"
    for app_label, schema in settings.DB_SCHEMAS.items():
        tables = model_tables(app_label)
        assert tables, app_label
        assert found[schema] == tables, app_label  # nothing else in the app's schema
        assert not tables & found["public"], app_label
    # the core's idempotency keys and mail outbox are in its own schema (natjoub 0001/0004/0005);
    # its list counters live in public like Django's own tables
    core = {m._meta.db_table for m in apps.get_app_config("natjoub").get_models()}
    assert core == {f'"{CORE_SCHEMA}"."idempotency_keys"', f'"{CORE_SCHEMA}"."mail_outbox"', "natjoub_list_counts"}
    assert found[CORE_SCHEMA] == {"idempotency_keys", "mail_outbox"}
    assert CORE_SCHEMA not in settings.DB_SCHEMAS.values()
    assert {"django_migrations", "django_session", "natjoub_cache", "natjoub_list_counts"} <= found["public"]


@pytest.mark.django_db
def test_introspection_lists_schema_tables_qualified():
    names = set(connection.introspection.table_names())
    labels = [*settings.DB_SCHEMAS, "natjoub"]
    for model in [m for label in labels for m in apps.get_app_config(label).get_models()]:
        table = model._meta.db_table
        if split_qualified(table)[0] is None:
            continue
        assert table in names, table
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table)
        declared = {c.name for c in model._meta.constraints} | {i.name for i in model._meta.indexes}
        assert declared <= set(constraints), table


@pytest.mark.django_db(transaction=True)
def test_flush_empties_every_mapped_schema():
    BranchFactory()
    IdempotencyKey.objects.create(
        user_id=BranchFactory().pk, key="k", request_hash="h", response_status=201, response_body={}
    )
    assert Role.objects.exists()
    call_command("flush", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        for schema, tables in tables_by_schema().items():
            if schema == "public":
                continue
            for table in tables:
                cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')  # noqa: S608 - names from pg_catalog
                assert cursor.fetchone() == (0,), f"{schema}.{table}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("app_label", list(settings.DB_SCHEMAS))
def test_migrating_an_app_to_zero_and_back_leaves_the_core_alone(app_label):
    core_before = applied("natjoub")
    IdempotencyKey.objects.create(
        user_id=BranchFactory().pk, key="kept", request_hash="h", response_status=201, response_body={}
    )
    call_command("migrate", app_label, "zero", verbosity=0)
    schema = settings.DB_SCHEMAS[app_label]
    assert schema not in tables_by_schema()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
        assert cursor.fetchone() is None
    # the core depends on no app: its migrations, table and rows stay
    assert applied("natjoub") == core_before
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["kept"]
    call_command("migrate", verbosity=0)
    assert tables_by_schema()[schema] == model_tables(app_label)


def test_core_migrations_depend_on_no_app():
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    for key in [k for k in graph.nodes if k[0] == "natjoub"]:
        foreign = [parent for parent in graph.node_map[key].parents if parent.key[0] != "natjoub"]
        assert foreign == [], key


@pytest.mark.django_db(transaction=True)
def test_an_older_database_moves_its_idempotency_keys_to_the_core_schema():
    """Before the core had a schema, the table sat in inventory_schema (inventory 0001, adopted by
    an earlier natjoub 0001 without a database change). Rebuild that layout with a stored key, then
    migrate: the rows, indexes and constraints move (natjoub 0004) and nothing is left behind."""
    IdempotencyKey.objects.create(
        user_id=BranchFactory().pk, key="older", request_hash="h", response_status=201, response_body={"a": 1}
    )
    executor = MigrationExecutor(connection)
    before_move = [p.key for p in executor.loader.graph.node_map[MOVE_MIGRATION].parents]
    executor.migrate(before_move)  # backwards the move changes nothing in the database
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE core_schema.idempotency_keys SET SCHEMA inventory_schema")
        cursor.execute("DROP SCHEMA core_schema")  # an older database had no core schema
    assert "idempotency_keys" in tables_by_schema()["inventory_schema"]

    call_command("migrate", verbosity=0)

    found = tables_by_schema()
    assert "idempotency_keys" not in found["inventory_schema"]
    assert found[CORE_SCHEMA] == {"idempotency_keys", "mail_outbox"}  # the outbox (0005) came back too
    key = IdempotencyKey.objects.get()
    assert (key.key, key.response_body) == ("older", {"a": 1})
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, IdempotencyKey._meta.db_table)
    assert {"idempotency_keys_created_idx", "idempotency_keys_user_key_uniq"} <= set(constraints)


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
