"""Django's private ORM API, confined to natjoub/db/internals.py (docs/architecture.md §3.11).

Two halves: each private name the adapter relies on still exists and behaves as relied on (a
Django upgrade that renames or changes one fails here, not in a request), and no application
module outside natjoub/db/ names one (the adapter's small public functions are the way in).
"""

from __future__ import annotations

import inspect
import re
import uuid
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import FETCH_ONE, FETCH_PEERS, query
from django.db.models.base import ModelState
from django.test.utils import CaptureQueriesContext

from inventory_app.models import Branch
from natjoub.db import internals
from tests.factories import make_branch

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("auth_app", "inventory_app", "order_app", "natjoub")
ADAPTER_PACKAGE = ROOT / "natjoub" / "db"

# Private ORM names an application module must reach only through natjoub.db.internals: attributes
# of querysets (and Django's module-level helpers of ModelIterable), the admin site's registry,
# writes to a model instance's ``_state`` (reading ``_state.adding`` / ``_state.db`` is
# documented, "Model._state"; setting them is not), and the formsets' private ``_construct_form``
# (an override of it silently stops applying when Django renames it; ``add_fields`` is public).
PRIVATE_USE = re.compile(
    r"(?<![\w.])(?:_get_from_db|get_related_populators|_construct_form)\b"
    r"|(?<!\bself)(?<!\bcls)\.(?:_fetch_mode|_iterable_class|_result_cache|_prefetch_related_lookups"
    r"|_known_related_objects|_sticky_filter|_for_write|_hints|_registry)\b"
    r"|\._state\.\w+\s*(?:=(?!=)|,)"
)


def private_uses(text: str) -> list[str]:
    return [match.group(0) for match in PRIVATE_USE.finditer(text)]


def application_files() -> list[Path]:
    files = []
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts or path.is_relative_to(ADAPTER_PACKAGE):
                continue
            files.append(path)
    return files


# -- the boundary -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    [
        "if queryset._iterable_class is not ModelIterable:",
        "mode = qs._fetch_mode",
        "from django.db.models.query import _get_from_db, get_related_populators",
        "user_admin = site._registry.get(User)",
        "obj._state.adding, obj._state.db = False, saved._state.db",
        "movement._state.adding = False",
        "    def _construct_form(self, i, **kwargs):",
    ],
)
def test_the_scan_recognises_each_private_use(line):
    assert private_uses(line)


@pytest.mark.parametrize(
    "line",
    [
        "if not self.instance._state.adding:",  # documented read
        "internals.mark_saved(obj, saved._state.db)",
        "self._query = query",
        "if self._state.adding == other:",
    ],
)
def test_the_scan_leaves_documented_and_own_attributes_alone(line):
    assert private_uses(line) == []


def test_no_application_module_outside_natjoub_db_uses_private_orm_api():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {use}"
        for path in application_files()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for use in private_uses(line)
    ]
    assert found == []


def test_the_adapter_is_where_the_private_names_are():
    """The scan looks at the right files: the adapter itself names them."""
    assert private_uses((ADAPTER_PACKAGE / "internals.py").read_text())
    assert (ROOT / "inventory_app" / "services" / "ledger.py") in application_files()


# -- the private names the adapter relies on ------------------------------------------------------
def test_get_from_db_and_related_populators_keep_their_signatures():
    assert list(inspect.signature(query._get_from_db).parameters) == ["model_cls", "fetch_mode"]
    assert list(inspect.signature(query.get_related_populators).parameters) == [
        "klass_info",
        "select",
        "db",
        "fetch_mode",
    ]


def test_fetch_mode_is_the_querysets_and_follows_fetch_mode():
    queryset = Branch.objects.all()
    assert internals.fetch_mode(queryset) is queryset._fetch_mode is FETCH_ONE
    assert internals.fetch_mode(queryset.fetch_mode(FETCH_PEERS)) is FETCH_PEERS


def test_yields_instances_tells_model_rows_from_values():
    queryset = Branch.objects.all()
    assert internals.yields_instances(queryset)
    assert internals.yields_instances(queryset.filter(code="X").order_by("name"))
    assert not internals.yields_instances(queryset.values("id"))
    assert not internals.yields_instances(queryset.values_list("id", flat=True))


def test_instance_loader_builds_a_loaded_instance_like_model_iterable():
    pk = uuid.uuid4()
    branch = internals.instance_loader(Branch, FETCH_PEERS)("replica", ["id", "name"], (pk, "North"))
    assert isinstance(branch, Branch)
    assert (branch.pk, branch.name) == (pk, "North")
    assert branch._state.adding is False
    assert branch._state.db == "replica"
    assert branch._state.fetch_mode is FETCH_PEERS
    assert branch.get_deferred_fields() >= {"code"}  # only the given fields are loaded


def test_model_state_keeps_adding_and_db():
    state = ModelState()
    assert state.adding is True
    assert state.db is None


@pytest.mark.django_db
def test_mark_saved_makes_save_update_the_existing_row():
    stored = make_branch("PRIV-1")
    copy = Branch(**{f.attname: getattr(stored, f.attname) for f in Branch._meta.concrete_fields})
    copy.name = "Renamed"
    internals.mark_saved(copy, DEFAULT_DB_ALIAS)
    assert copy._state.adding is False
    assert copy._state.db == DEFAULT_DB_ALIAS
    with CaptureQueriesContext(connection) as queries:
        copy.save(update_fields=["name"])
    assert [q["sql"].split()[0] for q in queries] == ["UPDATE"]
    assert Branch.objects.get(pk=stored.pk).name == "Renamed"


def test_the_admin_site_answers_model_admins_publicly():
    """attach_to_user_admin reads the user admin through AdminSite.get_model_admin (Django 5.0+)."""
    user_model = get_user_model()
    assert admin.site.is_registered(user_model)
    assert admin.site.get_model_admin(user_model) is admin.site._registry[user_model]


@pytest.mark.django_db
def test_the_seller_branches_inline_shares_its_choices_through_the_public_hook(rf):
    """The assignments inline shares one evaluation of each select's choices between its rows
    and its empty form, in ``add_fields`` (the formsets' public hook), not in an override of the
    private ``_construct_form``: if Django stops calling the hook per form, this fails."""
    from auth_app.models import RoleName
    from inventory_app.admin.assignments import SellerBranchesInline
    from inventory_app.services import assignment_create
    from tests.factories import make_user

    seller = make_user(RoleName.SELLER)
    for code in ("INL-1", "INL-2", "INL-3"):
        assignment_create(branch_id=make_branch(code).pk, user_id=seller.pk, created_by=None)
    request = rf.get("/")
    request.user = make_user(RoleName.ADMIN)
    formset = SellerBranchesInline(type(seller), admin.site).get_formset(request, seller)(instance=seller)
    rows = [*formset.forms, formset.empty_form]  # built: each select's choices evaluated once
    assert len(formset.forms) >= 3
    with CaptureQueriesContext(connection) as queries:
        rendered = [str(form[name]) for form in rows for name in ("branch", "user") if name in form.fields]
    assert len(rendered) == 2 * len(rows)
    assert all("INL-1" in html for html in rendered[::2])
    assert [q["sql"] for q in queries] == []
