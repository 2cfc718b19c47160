"""List query parameters on django-filter (docs/architecture.md §3.10), after NetBox's
``netbox/filtersets.py``: a FilterSet per list declares its parameters once; the same declaration
validates a request and generates the OpenAPI parameters (drf-spectacular's django-filter support).

* Filters are declared in snake_case, named like the selector's argument; on the wire they are
  camelCase (``is_active`` → ``isActive``, docs/api.md §1.2).
* The strict fields wrap the parsers of ``natjoub/api/query.py``: an empty value counts as absent,
  anything the parser refuses is the filter's message ("Invalid value" unless declared).
* The form also validates ``limit``/``offset`` (docs/api.md §2.1): one 400 ``VALIDATION_ERROR``
  carries every malformed parameter, filters and paging alike, keyed by its wire name.
* The FilterSet filters no queryset: its cleaned values are the selector's arguments
  (``arguments()``), so selectors keep their counters, ``UnionPages`` and branch scoping, and a
  business 403 (a branch outside the caller's scope) comes after the 400.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.http import QueryDict
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.filters import BaseFilterBackend

from natjoub.api.casing import to_camel
from natjoub.api.errors import ValidationFailed
from natjoub.api.query import (
    INVALID,
    parse_bool,
    parse_datetime,
    parse_int,
    parse_int_between,
    parse_text,
    parse_uuid,
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
LIMIT_MESSAGE = "Must be an integer between 1 and 1000"
OFFSET_MESSAGE = "Must be a non-negative integer"


parse_limit = parse_int_between(1, MAX_LIMIT)


def parse_offset(raw: str) -> int:
    value = parse_int(raw)
    if value < 0:
        raise ValueError(raw)
    return value


# -- form fields ------------------------------------------------------------------------------
class StrictField(forms.Field):
    """A query parameter read by ``parser``: absent or empty → ``default``; a value the parser
    refuses (ValueError, OverflowError) → ``message``."""

    parser: Callable[[str], Any] = staticmethod(parse_text)
    message = INVALID

    def __init__(self, *, parser=None, message: str | None = None, default: Any = None, choices=None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        if parser is not None:
            self.parser = parser
        if message is not None:
            self.message = message
        self.default = default
        self.choices = [value for value, _ in choices] if choices is not None else None

    def to_python(self, value):
        if value in (None, ""):  # an empty value counts as absent (docs/api.md §2.1)
            return self.default
        if self.choices is not None and value not in self.choices:
            raise forms.ValidationError(self.message, code="invalid")
        try:
            return self.parser(value)
        except (ValueError, OverflowError):
            raise forms.ValidationError(self.message, code="invalid") from None


class StrictUUIDField(StrictField):
    parser = staticmethod(parse_uuid)


class StrictBoolField(StrictField):
    parser = staticmethod(parse_bool)


class StrictIntField(StrictField):
    parser = staticmethod(parse_int)


class StrictDateTimeField(StrictField):
    parser = staticmethod(parse_datetime)


class StrictTextField(StrictField):
    """Free text, as sent; a NUL character is invalid (it cannot reach PostgreSQL)."""

    parser = staticmethod(parse_text)


class StrictChoiceField(StrictField):
    """One of ``choices`` exactly (case-sensitive); then ``parser`` (by default the value itself)."""

    parser = staticmethod(str)


# -- filters: the django-filter base classes give drf-spectacular the parameter's type ---------
class StrictUUIDFilter(django_filters.UUIDFilter):
    field_class = StrictUUIDField


class StrictBoolFilter(django_filters.BooleanFilter):
    field_class = StrictBoolField


class StrictIntFilter(django_filters.NumberFilter):
    field_class = StrictIntField


class StrictDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = StrictDateTimeField


class StrictTextFilter(django_filters.CharFilter):
    field_class = StrictTextField


class StrictChoiceFilter(django_filters.ChoiceFilter):
    """``choices``: (value, label) pairs (a model's ``TextChoices.choices``); the OpenAPI enum."""

    field_class = StrictChoiceField


# -- the FilterSet ----------------------------------------------------------------------------
class ApiFilterSetMetaclass(django_filters.filterset.FilterSetMetaclass):
    def __new__(cls, name, bases, attrs):
        new_class = super().__new__(cls, name, bases, attrs)
        # field_name stays the declared (snake_case) name: the selector's argument
        new_class.base_filters = {to_camel(key): value for key, value in new_class.base_filters.items()}
        return new_class


class ApiFilterSet(django_filters.FilterSet, metaclass=ApiFilterSetMetaclass):
    """The parameters of one list. Subclasses declare strict filters and may override
    ``arguments()`` to shape the selector's arguments (e.g. a filters dataclass).
    ``paginated = False`` for a route that takes no ``limit``/``offset``."""

    paginated = True

    def __init__(self, data: QueryDict | None = None, *, request=None):
        # no queryset: the selector reads the rows (django-filter would default to a model's)
        self.is_bound = data is not None
        self.data = data if data is not None else QueryDict()
        self.queryset = None
        self.request = request
        self.form_prefix = None
        self.filters = copy.deepcopy(self.base_filters)
        for filter_ in self.filters.values():
            filter_.parent = self

    def get_form_class(self):
        fields = {name: filter_.field for name, filter_ in self.filters.items()}
        if self.paginated:
            fields["limit"] = StrictIntField(parser=parse_limit, message=LIMIT_MESSAGE, default=DEFAULT_LIMIT)
            fields["offset"] = StrictIntField(parser=parse_offset, message=OFFSET_MESSAGE, default=0)
        return type(f"{type(self).__name__}Form", (forms.Form,), fields)

    def validate(self) -> ApiFilterSet:
        """Raise one ``ValidationFailed`` with the first message of every invalid parameter."""
        if not self.is_valid():
            raise ValidationFailed({name: messages[0] for name, messages in self.errors.items()})
        return self

    def arguments(self) -> dict[str, Any]:
        """The selector's keyword arguments: each filter's value under its declared name."""
        cleaned = self.form.cleaned_data
        return {filter_.field_name: cleaned[name] for name, filter_ in self.filters.items()}

    @classmethod
    def schema_parameters(cls) -> list[OpenApiParameter]:
        """The parameters for ``extend_schema`` of a route drf-spectacular does not take for a
        list (it reads a list's from ``ApiFilterExtension`` and the paginator): the filters, then
        ``limit``/``offset`` when paginated."""
        parameters = []
        for name, filter_ in cls.base_filters.items():
            kind = next((kind for base, kind in _SCHEMA_TYPES if isinstance(filter_, base)), OpenApiTypes.STR)
            choices = filter_.extra.get("choices")
            parameters.append(
                OpenApiParameter(
                    name,
                    kind,
                    OpenApiParameter.QUERY,
                    required=False,
                    description=filter_.extra.get("help_text", ""),
                    enum=[value for value, _ in choices] if choices else None,
                )
            )
        if cls.paginated:
            parameters += [
                OpenApiParameter("limit", OpenApiTypes.INT, OpenApiParameter.QUERY, description="1-1000, default 100"),
                OpenApiParameter("offset", OpenApiTypes.INT, OpenApiParameter.QUERY, description="default 0"),
            ]
        return parameters

    @property
    def page(self) -> tuple[int, int]:
        """(limit, offset), validated."""
        return self.form.cleaned_data["limit"], self.form.cleaned_data["offset"]


_SCHEMA_TYPES = (
    (StrictUUIDFilter, OpenApiTypes.UUID),
    (StrictBoolFilter, OpenApiTypes.BOOL),
    (StrictIntFilter, OpenApiTypes.INT),
    (StrictDateTimeFilter, OpenApiTypes.DATETIME),
)


class PageFilterSet(ApiFilterSet):
    """A list without filters: ``limit`` and ``offset`` only."""


# -- the view's filter backend and its OpenAPI parameters ---------------------------------------
class ApiFilterBackend(BaseFilterBackend):
    """Names the FilterSet of a view's action (``ApiViewSet.filterset_classes``). It filters no
    queryset (the view passes ``ApiViewSet.list_filters()`` to its selector); drf-spectacular
    reads its parameters through ``ApiFilterExtension``."""

    def get_filterset_class(self, view, queryset=None) -> type[ApiFilterSet]:
        return view.filterset_classes.get(view.action, PageFilterSet)

    def filter_queryset(self, request, queryset, view):
        return queryset


class ApiFilterExtension(DjangoFilterExtension):
    """drf-spectacular's django-filter introspection without a view model (our views have no
    ``queryset``): the strict filters' base classes give each parameter's type."""

    target_class = "natjoub.api.filters.ApiFilterBackend"
    match_subclasses = True

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        filterset_class = self.target.get_filterset_class(auto_schema.view)
        parameters = []
        for name, filter_ in filterset_class.base_filters.items():
            for parameter in self.resolve_filter_field(auto_schema, None, filterset_class, name, filter_):
                if isinstance(filter_, StrictIntFilter):  # a NumberFilter is "number" without a model
                    parameter["schema"]["type"] = "integer"
                parameters.append(parameter)
        return parameters
