"""Querysets compiled once: the hot lookups skip Django's per-call SQL compilation.

Building and compiling a queryset with joins and annotations costs more CPU than running it
(measured for the bearer lookup: ~2.5 ms of Python before a ~0.7 ms query; see
docs/architecture.md §3.8). A ``CompiledQuery`` builds its queryset once with placeholder values, keeps the SQL
and the positions where each placeholder landed, and on every call binds the real values and
turns the rows into model instances the way Django's own ``ModelIterable`` does (``select_related``
objects and annotations included). It runs through Django's cursor wrappers, so the router, query
counting and the database metrics see it like any other query, and it is prepared once per
connection (``natjoub.db.prepared``).

The queryset stays the single definition (fields, joins, filters); a test compares every
compiled query with the plain queryset it came from, so a Django upgrade that changes the
internals used here fails loudly instead of returning wrong rows.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet

from natjoub.db import internals
from natjoub.db.prepared import prepared_cursor


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple
    slots: tuple[tuple[int, str], ...]  # (parameter position, name of the value bound there)
    compiler: Any
    model: type[Model]
    fetch_mode: Any
    converters: dict  # what results_iter() would look up on every call
    fields: tuple[int, int]  # the main model's columns: row[start:end]
    init_list: tuple[str, ...]
    populators: dict = field(default_factory=dict)  # per database alias


class CompiledQuery:
    """``CompiledQuery(build, user_id=uuid.UUID, jti=str)``: ``build(**values)`` returns the
    queryset; each keyword names a value and its type (``uuid.UUID``, ``str`` or ``int``), used to
    make the placeholders. ``fetch(**values)`` returns the model instances."""

    def __init__(self, build: Callable[..., QuerySet], **types: type) -> None:
        self._build = build
        self._types = types
        self._plan: _Plan | None = None
        self._lock = threading.Lock()

    def _placeholders(self) -> dict[str, Any]:
        made = {}
        for name, kind in self._types.items():
            if kind is uuid.UUID:
                made[name] = uuid.uuid4()
            elif kind is str:
                made[name] = f"placeholder-{uuid.uuid4().hex}"
            elif kind is int:
                made[name] = 1_000_000_007 + len(made)
            else:
                raise TypeError(f"{name}: unsupported placeholder type {kind!r}")
        return made

    def plan(self) -> _Plan:
        if self._plan is None:
            with self._lock:
                if self._plan is None:
                    self._plan = self._compile()
        return self._plan

    def _compile(self) -> _Plan:
        placeholders = self._placeholders()
        queryset = self._build(**placeholders)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        by_value = {value: name for name, value in placeholders.items()}
        slots = tuple((i, by_value[p]) for i, p in enumerate(params) if p in by_value)
        missing = set(placeholders) - {name for _, name in slots}
        if missing:  # a value the SQL does not carry as a parameter cannot be rebound
            raise ValueError(f"not bound as query parameters: {sorted(missing)}")
        selected = [column[0] for column in compiler.select[: compiler.col_count]]
        if compiler.has_composite_fields(selected):
            raise ValueError("composite fields are not supported")
        model_columns = compiler.klass_info["select_fields"]
        start, end = model_columns[0], model_columns[-1] + 1
        return _Plan(
            sql=sql,
            params=tuple(params),
            slots=slots,
            compiler=compiler,
            model=queryset.model,
            fetch_mode=internals.fetch_mode(queryset),
            converters=compiler.get_converters(selected),
            fields=(start, end),
            init_list=tuple(column[0].target.attname for column in compiler.select[start:end]),
        )

    def fetch(self, **values: Any) -> list[Model]:
        plan = self.plan()
        params = list(plan.params)
        for position, name in plan.slots:
            params[position] = values[name]
        db = router.db_for_read(plan.model)
        with prepared_cursor(connections[db]) as cursor:  # planned once per connection too
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        return self._instances(plan, rows, db)

    def first(self, **values: Any) -> Model | None:
        found = self.fetch(**values)
        return found[0] if found else None

    @staticmethod
    def _instances(plan: _Plan, rows: list[tuple], db: str) -> list[Model]:
        """What ``ModelIterable.__iter__`` does with the rows of a compiled query."""
        compiler = plan.compiler
        if plan.converters:
            rows = compiler.apply_converters(rows, plan.converters)
        start, end = plan.fields
        from_db = internals.instance_loader(plan.model, plan.fetch_mode)
        populators = plan.populators.get(db)
        if populators is None:
            populators = plan.populators.setdefault(
                db, internals.related_populators(compiler.klass_info, compiler.select, db, plan.fetch_mode)
            )
        annotations = compiler.annotation_col_map.items()
        objects = []
        for row in rows:
            obj = from_db(db, plan.init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects
