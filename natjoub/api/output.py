"""Rendering a page of rows without DRF's per-field machinery where it adds nothing.

DRF's ``Serializer.to_representation`` runs ``get_attribute`` and ``to_representation`` of every
field of every row: for a page of 100 items that is ~1,600 field calls and about two thirds of the
request's CPU time. ``render_many`` resolves, once per page, which fields are plain conversions
(UUID, text, integer, boolean, ISO-8601 date-time of a model attribute) and reads those with
``attrgetter``; everything else (custom fields, method fields, nested serializers, a ``None`` on
the way of a dotted source) takes DRF's own path, so the output is exactly DRF's
(tests/natjoub/test_output.py compares them on every list serializer).

``render_page`` goes one step further for a page of a queryset: when every field of the serializer
is a column of the model, a column of a forward relation or an annotation, it reads the page with
``values_list`` (no model instances: building ~300 of them was a third of a 100-row movements page)
and writes camelCase keys directly (``casing.Camelized``: the renderer does not walk the rows again).
Anything else takes ``render_many``. ``render_counted_page`` also reads the list's total in the
page's statement (``COUNT(*) OVER ()``) for a list whose separate count would repeat its joins;
a page source of its own (not a queryset) does that with ``counted_values_page(lookups, start,
stop)``, and names the columns it computes that are not the model's in ``annotations``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import datetime
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db.models import Count, QuerySet, Window
from django.utils import timezone
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from natjoub.api.casing import Camelized, to_camel
from natjoub.db import internals

_MISSING = object()
_TOTAL = "_page_total"  # the window annotation of render_counted_page


def _iso_datetime(field: serializers.DateTimeField, tz) -> Callable[[Any], Any]:
    def convert(value):
        if not isinstance(value, datetime) or not timezone.is_aware(value):
            return field.to_representation(value)  # strings, naive values: DRF's rules
        text = value.astimezone(tz).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _converter(field: serializers.Field, tz) -> Callable[[Any], Any] | None:
    """The plain conversion equal to ``field.to_representation`` for a non-None model value, if any."""
    kind = type(field)
    if kind is serializers.UUIDField and field.uuid_format == "hex_verbose":
        return str
    if kind is serializers.CharField:
        return str
    if kind is serializers.IntegerField:
        return int
    if kind is serializers.BooleanField:
        return field.to_representation  # two set lookups; exact for every truthy spelling
    if kind is serializers.DateTimeField and settings.USE_TZ and not hasattr(field, "timezone"):
        output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
        if isinstance(output_format, str) and output_format.lower() == "iso-8601":
            return _iso_datetime(field, tz)
    return None


def _drf_value(field: serializers.Field, row: Any) -> Any:
    """One field the way ``Serializer.to_representation`` renders it (raises SkipField to omit it)."""
    attribute = field.get_attribute(row)
    check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    return None if check is None else field.to_representation(attribute)


@functools.lru_cache(maxsize=256)
def _steps(serializer_class: type[serializers.Serializer], tz) -> tuple | None:
    """Per serializer class (its fields are bound once, not deep-copied on every request): one
    (name, getter, convert, field) step per readable field, or None for custom rendering."""
    serializer = serializer_class()
    if type(serializer).to_representation is not serializers.Serializer.to_representation or hasattr(
        getattr(serializer_class, "Meta", None), "list_serializer_class"
    ):
        return None
    steps = []
    for field in serializer.fields.values():
        if field.write_only:
            continue
        convert = _converter(field, tz) if field.source != "*" else None
        steps.append((field.field_name, attrgetter(field.source) if convert else None, convert, field))
    return tuple(steps)


def render_many(serializer_class: type[serializers.Serializer], rows: Iterable[Any]) -> list[dict]:
    """``serializer_class(rows, many=True).data`` as plain dicts, computed faster."""
    steps = _steps(serializer_class, timezone.get_current_timezone())
    if steps is None:
        return [dict(row) for row in serializer_class(rows, many=True).data]  # custom rendering: DRF's
    rendered = []
    for row in rows:
        item: dict[str, Any] = {}
        for name, getter, convert, field in steps:
            if getter is not None:
                try:
                    value = getter(row)
                except (AttributeError, KeyError, ObjectDoesNotExist):
                    value = _MISSING  # e.g. None half-way along "from_branch.name": DRF decides
                if value is None:
                    item[name] = None
                    continue
                if value is not _MISSING and not callable(value):
                    item[name] = convert(value)
                    continue
            try:
                item[name] = _drf_value(field, row)
            except SkipField:
                continue
        rendered.append(item)
    return rendered


def render_one(serializer_class: type[serializers.Serializer], row: Any) -> dict:
    """``serializer_class(row).data`` as a plain dict, the same way."""
    return render_many(serializer_class, [row])[0]


def _column_lookup(model, field: serializers.Field) -> str | None:
    """The ``values_list`` lookup that yields what DRF would pass to ``to_representation``, or
    None when the field needs the object (method fields, nested serializers, ``source="*"``,
    a relation rendered as an object, a nullable relation on the way of a non-nullable field)."""
    if field.source == "*" or isinstance(field, serializers.BaseSerializer | serializers.SerializerMethodField):
        return None
    if isinstance(field, serializers.RelatedField | serializers.ManyRelatedField):
        return None
    parts = field.source.split(".")
    current = model
    for position, part in enumerate(parts):
        try:
            model_field = current._meta.get_field(part)
        except FieldDoesNotExist:
            # not a model field: an annotation of the queryset (checked per page), never half-way
            return "__".join(parts) if position == len(parts) - 1 and position == 0 else None
        last = position == len(parts) - 1
        if model_field.is_relation and part == getattr(model_field, "attname", None) != model_field.name:
            if not last:
                return None
            continue  # "branch_id": the foreign key's own column
        if model_field.is_relation:
            if last or not (model_field.many_to_one or model_field.one_to_one) or not model_field.concrete:
                return None  # an object or a reverse/many relation: DRF's path
            if model_field.null and not field.allow_null:
                return None  # DRF would omit the field when the relation is missing
            current = model_field.related_model
        elif not last:
            return None
    return "__".join(parts)


@functools.lru_cache(maxsize=256)
def _column_plan(serializer_class: type[serializers.Serializer], model, tz) -> tuple | None:
    """Per serializer class and model: (camelCase key, lookup, conversion) per field, or None."""
    steps = _steps(serializer_class, tz)
    if steps is None:
        return None
    plan = []
    for name, _getter, convert, field in steps:
        lookup = _column_lookup(model, field)
        if lookup is None:
            return None
        plan.append((to_camel(name), lookup, convert or field.to_representation))
    return tuple(plan)


def render_page(serializer_class: type[serializers.Serializer], queryset, start: int, stop: int) -> list[dict]:
    """Rows ``[start:stop]`` of ``queryset`` as ``serializer_class`` renders them. ``queryset`` may
    also be a page source with ``model`` and ``values_page(lookups, start, stop)`` (e.g.
    natjoub.db.union_pages.UnionPages), whose parts are querysets of that model."""
    columns = _columns(serializer_class, queryset, start, stop)
    if columns is None:
        return render_many(serializer_class, queryset[start:stop])
    return _rendered(*columns)


def render_counted_page(
    serializer_class: type[serializers.Serializer], queryset: QuerySet, start: int, stop: int
) -> tuple[list[dict], int | None]:
    """``render_page`` of a queryset and the number of rows of the whole queryset, read by the same
    statement (``COUNT(*) OVER ()``: the filters and joins run once instead of once more for a
    ``count()``). ``([], None)`` when the statement cannot tell the total (no row at a ``start``
    past 0) or the page cannot be read as columns (nothing read then): the caller counts."""
    columns = _columns(serializer_class, queryset, start, stop, counted=True)
    if columns is None:
        return [], None
    plan, rows = columns
    rows = list(rows)
    # each tuple ends with the total; zip() below stops at the plan's last column
    if not rows:
        return [], (0 if start == 0 else None)
    return _rendered(plan, rows), rows[0][-1]


def _rendered(plan: tuple, rows) -> list[dict]:
    steps = [(key, convert) for key, _, convert in plan]
    return Camelized(
        {key: None if value is None else convert(value) for (key, convert), value in zip(steps, row)}  # noqa: B905
        for row in rows
    )


@functools.lru_cache(maxsize=256)
def _columns_of(model) -> frozenset[str]:
    return frozenset(f.attname for f in model._meta.concrete_fields)


def _columns(serializer_class, queryset, start: int, stop: int, counted: bool = False) -> tuple[tuple, Any] | None:
    """(the column plan, the page's tuples) when the page can be read as columns; ``counted``
    (querysets only): each tuple ends with the total of the whole queryset."""
    if counted and not isinstance(queryset, QuerySet) and not hasattr(queryset, "counted_values_page"):
        return None
    if isinstance(queryset, QuerySet):
        if not internals.yields_instances(queryset):
            return None
        annotations = set(queryset.query.annotations)
    elif hasattr(queryset, "values_page"):
        annotations = set(getattr(queryset, "annotations", ()))  # columns a page source computes
    else:
        return None
    plan = _column_plan(serializer_class, queryset.model, timezone.get_current_timezone())
    if plan is None:
        return None
    lookups = [lookup for _, lookup, _ in plan]
    known = _columns_of(queryset.model)
    if not all("__" in lookup or lookup in known or lookup in annotations for lookup in lookups):
        return None
    if counted and not isinstance(queryset, QuerySet):
        rows = queryset.counted_values_page(lookups, start, stop)
        return None if rows is None else (plan, rows)
    if counted:
        queryset = queryset.annotate(**{_TOTAL: Window(Count("*"))})
        return plan, queryset.values_list(*lookups, _TOTAL)[start:stop]
    if isinstance(queryset, QuerySet):
        return plan, queryset.values_list(*lookups)[start:stop]
    rows = queryset.values_page(lookups, start, stop)
    return None if rows is None else (plan, rows)
