"""Dependencies point one way (docs/architecture.md, "Boundaries"): the core (``natjoub``) imports
no app, and ``auth_app`` never imports ``inventory_app``. Apps plug into the core through the
registries they fill in ``AppConfig.ready()``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("auth_app", "inventory_app")
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
