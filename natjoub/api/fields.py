"""Strict input fields for the contract's type rules (§1.2) and standard messages (§3.2).

Every field reports one message: ``Field is required`` (missing or null), ``Invalid value``
(wrong JSON type or unparsable), else the first of its own rules that fails, in order.
"""

from __future__ import annotations

import re
import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from natjoub.api.casing import underscore_keys
from natjoub.api.errors import ValidationFailed
from natjoub.api.query import UUID_RE

REQUIRED = "Field is required"
INVALID = "Invalid value"
BLANK = "Must not be blank"
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
_INT_TEXT = re.compile(r"^-?\d+\Z", re.ASCII)
_DECIMAL_TEXT = re.compile(r"^-?\d+(\.\d+)?\Z", re.ASCII)

BASE_ERRORS = {"required": REQUIRED, "null": REQUIRED, "invalid": INVALID}


class StrictMixin:
    def __init__(self, *args, **kwargs):
        kwargs["error_messages"] = {**BASE_ERRORS, **kwargs.get("error_messages", {})}
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.STR)
class Text(StrictMixin, serializers.Field):
    """A JSON string stored as sent. ``rule`` is a callable returning an error message or None;
    ``message`` replaces the blank/length messages when one message covers the whole rule."""

    def __init__(self, *, max_length: int | None = None, allow_blank: bool = False, rule=None, message=None, **kw):
        self.max_length = max_length
        self.allow_blank = allow_blank
        self.rule = rule
        self.message = message
        super().__init__(**kw)

    def to_internal_value(self, data):
        if not isinstance(data, str) or "\x00" in data:  # PostgreSQL text cannot hold NUL
            self.fail("invalid")
        if not self.allow_blank and not data.strip():
            raise serializers.ValidationError(self.message or BLANK)
        if self.max_length is not None and len(data) > self.max_length:
            raise serializers.ValidationError(self.message or f"Must be at most {self.max_length} characters")
        if self.rule is not None:
            problem = self.rule(data)
            if problem:
                raise serializers.ValidationError(problem)
        return data

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.INT)
class Integer(StrictMixin, serializers.Field):
    """A JSON integer or a string of digits with an optional ``-``, in the 32-bit signed range."""

    def __init__(self, *, min_value: int | None = None, max_value: int | None = None, range_message=None, **kw):
        self.min_value, self.max_value, self.range_message = min_value, max_value, range_message
        super().__init__(**kw)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, str) and _INT_TEXT.match(data):
            data = int(data)
        if not isinstance(data, int) or not INT32_MIN <= data <= INT32_MAX:
            self.fail("invalid")
        if (self.min_value is not None and data < self.min_value) or (
            self.max_value is not None and data > self.max_value
        ):
            raise serializers.ValidationError(self.range_message or INVALID)
        return data

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.STR)
class Money(StrictMixin, serializers.Field):
    """A finite JSON number (read from its decimal text) or a decimal string; rounded half-up
    to 2 places, then range-checked."""

    def __init__(self, *, min_value=Decimal("0"), max_value=Decimal("99999999.99"), range_message=None, **kw):
        self.min_value, self.max_value = min_value, max_value
        self.range_message = range_message or f"Must be between {min_value} and {max_value}"
        super().__init__(**kw)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, str):
            if not _DECIMAL_TEXT.match(data):
                self.fail("invalid")
            data = Decimal(data)
        elif isinstance(data, int):
            data = Decimal(data)
        if not isinstance(data, Decimal) or not data.is_finite():
            self.fail("invalid")
        try:
            value = data.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise serializers.ValidationError(self.range_message) from None
        if not self.min_value <= value <= self.max_value:
            raise serializers.ValidationError(self.range_message)
        return value

    def to_representation(self, value):
        return None if value is None else f"{value:.2f}"


@extend_schema_field(OpenApiTypes.BOOL)
class Boolean(StrictMixin, serializers.Field):
    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid")
        return None

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.UUID)
class UUIDValue(StrictMixin, serializers.Field):
    def to_internal_value(self, data):
        if not isinstance(data, str) or not UUID_RE.match(data):
            self.fail("invalid")
        return uuid.UUID(data)

    def to_representation(self, value):
        return None if value is None else str(value)


class InputSerializer(serializers.Serializer):
    """Shape and types only. ``null`` counts as absent: required fields report
    ``Field is required`` and optional ones are left out (so PUT leaves them unchanged).

    Its fields are bound once per class, not deep-copied for every instance (DRF's ``fields``):
    that copy was a third of a movement POST's input validation. Input fields keep no state
    between calls and read no context (they validate shape only), so every request can share them;
    they are bound to a template instance with no data, context or ``partial``."""

    @property
    def fields(self):
        bound = type(self).__dict__.get("_bound_fields")  # each class its own, never a parent's
        if bound is None:
            template = type(self)()
            bound = serializers.Serializer.fields.func(template)
            type(self)._bound_fields = bound
        return bound

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = {key: value for key, value in data.items() if value is not None}
        return super().to_internal_value(data)


# -- arrays of line objects (transfers, orders) -----------------------------------------------
DUPLICATE_ITEM_MESSAGE = "Each item may appear only once"


class LineArray(StrictMixin, serializers.Field):
    """A JSON array of line objects, each checked by ``line`` (an input serializer). Errors of a
    line's fields are reported as ``lines[<index>].<field>`` (``LinesInput`` flattens them); an
    item named twice makes the whole array invalid (``Each item may appear only once``).
    Subclasses set ``line``, the length bounds and the message for a wrong length."""

    line: type[InputSerializer]
    min_length: int = 1
    max_length: int
    count_message: str

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("invalid")
        if not self.min_length <= len(data) <= self.max_length:
            raise serializers.ValidationError(self.count_message)
        values, errors = [], {}
        for index, entry in enumerate(data):
            if not isinstance(entry, dict):
                errors[f"[{index}]"] = [INVALID]
                continue
            line = self.line(data=underscore_keys(entry))  # the parser converts top-level keys only
            if line.is_valid():
                values.append(dict(line.validated_data))
            else:
                errors.update({f"[{index}].{name}": detail for name, detail in line.errors.items()})
        if errors:
            raise serializers.ValidationError(errors)
        items = [value["inventory_item_id"] for value in values]
        if len(set(items)) != len(items):
            raise serializers.ValidationError(DUPLICATE_ITEM_MESSAGE)
        return values

    def to_representation(self, value):
        return value


class LinesInput(InputSerializer):
    """Reports a line's field errors under ``lines[<index>].<field>`` (one message each)."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = dict(exc.detail)
            nested = errors.pop("lines", None)
            if isinstance(nested, dict):
                errors.update({f"lines{key}": value for key, value in nested.items()})
            elif nested is not None:
                errors["lines"] = nested
            raise serializers.ValidationError(errors) from None


def partial_quantities(
    full: dict[uuid.UUID, int], body_lines: list[dict] | None, *, field: str, not_listed: str
) -> dict[uuid.UUID, int]:
    """Per item, the quantity a partial handover takes (a transfer received, an order collected):
    the body's ``field`` for the lines it names (each one of ``full``'s items, 0 … its full
    quantity), the full quantity for the others. Every wrong line is reported, under
    ``lines[<index>].<field>``, in one 400."""
    taken = dict(full)
    errors = {}
    for index, entry in enumerate(body_lines or []):
        item_id, quantity = entry["inventory_item_id"], entry[field]
        if item_id not in full:
            errors[f"lines[{index}].inventory_item_id"] = not_listed
        elif quantity > full[item_id]:
            errors[f"lines[{index}].{field}"] = f"Must be between 0 and {full[item_id]}"
        else:
            taken[item_id] = quantity
    if errors:
        raise ValidationFailed(errors)
    return taken
