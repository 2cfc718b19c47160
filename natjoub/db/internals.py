"""The one module that touches Django's private ORM API (docs/architecture.md §3.11).

A few hot paths go around Django's per-call machinery (docs/architecture.md §3.8):
``CompiledQuery`` turns rows into instances as ``ModelIterable`` does, ``render_page`` reads a
plain queryset as columns, the stock ledger and the admin's service-backed saves mark an instance
saved without a ``save()``. They do it through these small public functions; nothing else names
a private attribute of a queryset or a model instance. tests/natjoub/test_django_private_api.py
checks that, and that each private name used here still exists and behaves as relied on, so a
Django upgrade that changes one fails there first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, _get_from_db, get_related_populators

__all__ = ["fetch_mode", "instance_loader", "mark_saved", "related_populators", "yields_instances"]


def fetch_mode(queryset: QuerySet) -> Any:
    """The queryset's fetch mode (Django 6.1, ``QuerySet.fetch_mode()``), which instances inherit."""
    return queryset._fetch_mode


def instance_loader(model: type[Model], mode: Any) -> Callable[[str, list[str], tuple], Model]:
    """``loader(db, field_names, values)``: ``model.from_db`` with the fetch mode bound, as
    ``ModelIterable`` calls it."""
    return _get_from_db(model, mode)


def related_populators(klass_info: dict, select: list, db: str, mode: Any) -> list:
    """The ``select_related`` populators of a compiled query, as ``ModelIterable`` builds them."""
    return get_related_populators(klass_info, select, db, mode)


def yields_instances(queryset: QuerySet) -> bool:
    """Does iterating the queryset give model instances (not ``values()`` dicts or tuples)?"""
    return queryset._iterable_class is ModelIterable


def mark_saved(instance: Model, db: str) -> None:
    """Make ``instance`` what a load from ``db`` makes it: a later ``save()`` updates its row."""
    instance._state.adding = False
    instance._state.db = db
