"""Dependencies point one way (docs/architecture.md §1.4). The apps are the ones ``settings.DB_SCHEMAS``
maps (a new app is checked by joining the setting; nothing here names one):

* the core (``natjoub``) imports no app, settings and URLs aside; apps plug into it through the
  registries they fill in ``AppConfig.ready()``;
* an app imports another app only through the modules that app declares public
  (``AppConfig.public_modules``: auth_app.directory and auth_app.permissions; inventory_app's
  services and selectors packages), never its models, views or internals;
* ``auth_app`` imports no other app (every app depends on accounts, so accounts names none);
* no ORM lookup crosses into auth's models from another app (``user__role__name``,
  ``credentials__email``): a rename inside auth would break that app at run time only. The
  directory offers the same facts as functions (``auth_app.directory``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
AUTH_APP = "auth_app"
# The only core modules that name the apps: settings list them, urls mount them.
CORE_MAY_COMPOSE = {"natjoub/settings.py", "natjoub/test_settings.py", "natjoub/urls.py"}
DYNAMIC_IMPORTERS = {"import_module", "__import__"}
# An ORM path through auth's relations: ``user__…`` from a model with a user foreign key, or
# ``role__…`` / ``credentials__…`` on the user model itself (not ``performed_by_user__…``).
AUTH_LOOKUP = re.compile(r"(?<![A-Za-z0-9_])(?:user|credentials|role)__\w+")

# Known offenders, (file, lookup): none since issue 17 moved inventory onto auth_app.directory.
# Keep it empty; the test fails for an entry that no longer exists, so it cannot outlive its code.
KNOWN_ORM_OFFENDERS: set[tuple[str, str]] = set()


def mapped_apps() -> list:
    return [apps.get_app_config(label) for label in settings.DB_SCHEMAS]


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, statically or through importlib with a literal name. For
    ``from a import b`` both ``a`` and ``a.b`` are listed (b may be a module or a name)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in DYNAMIC_IMPORTERS and node.args and isinstance(node.args[0], ast.Constant):
                found.append((node.lineno, str(node.args[0].value)))
    return found


def auth_lookups(path: Path) -> list[tuple[int, str]]:
    """ORM lookups through auth's relations: string literals and keyword names (``role__name=…``)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        texts = []
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            texts.append(node.value)
        elif isinstance(node, ast.keyword) and node.arg:
            texts.append(node.arg)
        for text in texts:
            found += [(node.lineno, match) for match in AUTH_LOOKUP.findall(text)]
    return found


def is_public(module: str, public: tuple[str, ...]) -> bool:
    return any(module == allowed or module.startswith(f"{allowed}.") for allowed in public)


def modules_of(config) -> list[tuple[str, Path]]:
    base = Path(config.path)
    return [
        (path.relative_to(ROOT).as_posix(), path)
        for path in sorted(base.rglob("*.py"))
        if "migrations" not in path.relative_to(base).parts
    ]


def import_violations(files: list[tuple[str, Path]], others) -> list[str]:
    """Imports of another app's modules that the other app does not declare public."""
    problems = []
    for relative, path in files:
        for line, module in imported_modules(path):
            for other in others:
                root = other.name
                if module != root and not module.startswith(f"{root}."):
                    continue
                public = tuple(getattr(other, "public_modules", ()))
                # ``from auth_app.directory import Role`` lists auth_app.directory.Role as well
                if not (is_public(module, public) or is_public(module.rsplit(".", 1)[0], public)):
                    problems.append(f"{relative}:{line} imports {module} (public: {', '.join(public) or 'nothing'})")
    return problems


def test_the_apps_are_discovered_from_the_settings():
    labels = {config.label for config in mapped_apps()}
    assert {AUTH_APP, "inventory_app"} <= labels


def test_the_core_imports_no_app():
    roots = {config.name for config in mapped_apps()}
    problems = []
    for path in sorted((ROOT / "natjoub").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in CORE_MAY_COMPOSE:
            continue
        for line, module in imported_modules(path):
            if any(module == root or module.startswith(f"{root}.") for root in roots):
                problems.append(f"{relative}:{line} imports {module}")
    assert problems == []


def test_apps_import_each_other_only_through_public_modules():
    configs = mapped_apps()
    problems = []
    for config in configs:
        problems += import_violations(modules_of(config), [other for other in configs if other is not config])
    assert problems == []


def test_auth_imports_no_other_app():
    configs = mapped_apps()
    auth = apps.get_app_config(AUTH_APP)
    roots = [other.name for other in configs if other is not auth]
    problems = [
        f"{relative}:{line} imports {module}"
        for relative, path in modules_of(auth)
        for line, module in imported_modules(path)
        if any(module == root or module.startswith(f"{root}.") for root in roots)
    ]
    assert problems == []


def test_no_orm_lookup_crosses_into_auths_models():
    found = set()
    for config in mapped_apps():
        if config.label == AUTH_APP:
            continue
        for relative, path in modules_of(config):
            found |= {(relative, lookup) for _line, lookup in auth_lookups(path)}
    assert found - KNOWN_ORM_OFFENDERS == set(), "use auth_app.directory instead"
    assert KNOWN_ORM_OFFENDERS - found == set(), "fixed: remove these from KNOWN_ORM_OFFENDERS"


def module_graph(packages: list[Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports, deferred imports (inside functions) included."""
    modules: dict[str, Path] = {}
    for package in packages:
        for path in package.rglob("*.py"):
            if "migrations" in path.relative_to(package).parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in modules.items():
        # ``from a import b``: b if it is a module, else a
        targets = {m if m in modules else m.rsplit(".", 1)[0] for _line, m in imported_modules(path)}
        graph[name] = {target for target in targets if target in modules and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle():
    """A circle hidden by imports inside functions (inventory_app/models.py <-> scoping.py once)
    still ties two modules into one; none in the core or any app."""
    packages = [ROOT / "natjoub", *(Path(config.path) for config in mapped_apps())]
    assert cycles(module_graph(packages)) == []


def test_the_circle_check_sees_a_deferred_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize(
    "source",
    [
        "from inventory_app.models import Branch\n",
        "import inventory_app.views\n",
        "def f():\n    from inventory_app import admin\n",
        "import importlib\nimportlib.import_module('inventory_app.models')\n",
        "from auth_app.models import User\n",
        "from auth_app import selectors\n",
        "import auth_app\n",
    ],
)
def test_the_check_sees_every_kind_of_non_public_import(tmp_path, source):
    path = tmp_path / "module.py"
    path.write_text(source)
    assert len(import_violations([("module.py", path)], mapped_apps())) == 1


@pytest.mark.parametrize(
    "source",
    [
        "from auth_app.directory import Role, sellers\n",
        "from auth_app import permissions\n",
        "import auth_app.directory\n",
        "from inventory_app.selectors import access\n",
        "from inventory_app import services\n",
        "import inventory_app.services.stock\n",
    ],
)
def test_public_modules_pass(tmp_path, source):
    path = tmp_path / "module.py"
    path.write_text(source)
    assert import_violations([("module.py", path)], mapped_apps()) == []


@pytest.mark.parametrize(
    ("source", "lookup"),
    [
        ("qs.values_list('user__credentials__email')\n", "user__credentials__email"),
        ("User.objects.filter(role__name='admin')\n", "role__name"),
        ("qs.order_by(F('credentials__email'))\n", "credentials__email"),
    ],
)
def test_the_check_sees_orm_lookups_in_strings_and_keywords(tmp_path, source, lookup):
    path = tmp_path / "module.py"
    path.write_text(source)
    assert [found for _line, found in auth_lookups(path)] == [lookup]


def test_an_own_field_ending_in_user_is_not_a_lookup(tmp_path):
    path = tmp_path / "module.py"
    path.write_text("qs.filter(performed_by_user__isnull=True, user_id=1)\n")
    assert auth_lookups(path) == []


# The order service (docs/architecture.md §7.2): narrower than the inventory's public modules, it
# holds stock only through the holds API and reads the caller's branches from the access module;
# and no foreign key leaves order_schema.
ORDER_MAY_IMPORT = {
    "inventory_app.services.holds",
    "inventory_app.selectors.access",
    "auth_app.directory",
    "auth_app.permissions",
}


def test_orders_reach_other_apps_only_through_holds_access_and_the_directory():
    problems = []
    for relative, path in modules_of(apps.get_app_config("order_app")):
        for line, module in imported_modules(path):
            allowed = module in ORDER_MAY_IMPORT or module.rsplit(".", 1)[0] in ORDER_MAY_IMPORT  # from X import name
            if module.split(".")[0] in ("inventory_app", "auth_app") and not allowed:
                problems.append(f"{relative}:{line} imports {module}")
    assert problems == []


def test_no_foreign_key_leaves_order_schema():
    targets = {
        (model.__name__, field.name, field.related_model._meta.app_label)
        for model in apps.get_app_config("order_app").get_models()
        for field in model._meta.get_fields()
        if field.is_relation and field.related_model is not None and field.concrete
    }
    assert targets  # lines and events point at their order
    assert all(app == "order_app" for _, _, app in targets), targets
