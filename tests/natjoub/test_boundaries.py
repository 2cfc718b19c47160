"""Dependencies point one way (docs/architecture.md, "Boundaries"): the core (``natjoub``) imports
no app, and ``auth_app`` never imports ``inventory_app``. Apps plug into the core through the
registries they fill in ``AppConfig.ready()``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("auth_app", "inventory_app", "order_app")
# The only core modules that compose the apps: settings lists them and urls mounts them (seed_demo
# runs the seeders the apps registered).
CORE_MAY_COMPOSE = {"natjoub/settings.py", "natjoub/test_settings.py", "natjoub/urls.py"}
DYNAMIC_IMPORTERS = {"import_module", "__import__"}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, statically or through importlib with a literal name."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in DYNAMIC_IMPORTERS and node.args and isinstance(node.args[0], ast.Constant):
                found.append((node.lineno, str(node.args[0].value)))
    return found


def violations(package: str, forbidden: tuple[str, ...], allowed: set[str] = frozenset()) -> list[str]:
    problems = []
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in allowed:
            continue
        for line, module in imported_modules(path):
            if module.split(".")[0] in forbidden:
                problems.append(f"{relative}:{line} imports {module}")
    return problems


def test_the_core_imports_no_app():
    assert violations("natjoub", APPS, CORE_MAY_COMPOSE) == []


def test_auth_never_imports_inventory():
    assert violations("auth_app", ("inventory_app",)) == []


# The order service (docs/architecture.md §7.2): the inventory only through its public holds API
# and the seller-access module, auth only through the directory and the permissions; nobody
# imports the orders (auth's user deletion reaches them through a signal, reconcile_stock and
# the dashboards through registries).
ORDER_MAY_IMPORT = {
    "inventory_app.services.holds",
    "inventory_app.selectors.access",
    "auth_app.directory",
    "auth_app.permissions",
}


def test_orders_reach_other_apps_only_through_their_public_modules():
    problems = []
    for path in sorted((ROOT / "order_app").rglob("*.py")):
        for line, module in imported_modules(path):
            if module.split(".")[0] in ("inventory_app", "auth_app") and module not in ORDER_MAY_IMPORT:
                problems.append(f"{path.relative_to(ROOT).as_posix()}:{line} imports {module}")
    assert problems == []


def test_no_app_imports_the_orders():
    assert violations("auth_app", ("order_app",)) == []
    assert violations("inventory_app", ("order_app",)) == []


def test_no_foreign_key_leaves_order_schema():
    from django.apps import apps

    targets = {
        (model.__name__, field.name, field.related_model._meta.app_label)
        for model in apps.get_app_config("order_app").get_models()
        for field in model._meta.get_fields()
        if field.is_relation and field.related_model is not None and field.concrete
    }
    assert targets  # lines and events point at their order
    assert all(app == "order_app" for _, _, app in targets), targets


@pytest.mark.parametrize(
    "source",
    [
        "from inventory_app.models import Branch\n",
        "import inventory_app.services\n",
        "def f():\n    from inventory_app import selectors\n",
        "import importlib\nimportlib.import_module('inventory_app.services')\n",
    ],
)
def test_the_check_sees_every_kind_of_import(tmp_path, source):
    path = tmp_path / "module.py"
    path.write_text(source)
    assert [module.split(".")[0] for _, module in imported_modules(path)][-1] == "inventory_app"
