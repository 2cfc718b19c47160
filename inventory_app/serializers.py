"""Input serializers (shape and types only) and read-only output serializers (docs/api.md §8).

Field names are snake_case here; the parser and renderer convert to and from camelCase.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory_app.models import RECORDABLE_TYPES, AlertStatus, MovementType, ReservationStatus, TransferStatus
from natjoub.api import fields
from natjoub.api.casing import underscore_keys
from natjoub.api.contact_rules import EMAIL_MESSAGE, PHONE_MESSAGE, email_problem, phone_problem
from natjoub.api.fields import StrictMixin

MOVEMENT_TYPE_MESSAGE = "Must be one of: IN, OUT, TRANSFER, ADJUSTMENT, RETURN"
MOVEMENT_FILTER_MESSAGE = "Must be one of: IN, OUT, TRANSFER, ADJUSTMENT, RETURN, TRANSFER_OUT, TRANSFER_IN"
STATUS_MESSAGE = "Must be one of: ACTIVE, RELEASED, COMMITTED, EXPIRED"
TRANSFER_STATUS_MESSAGE = "Must be one of: IN_TRANSIT, RECEIVED, CANCELLED"
ALERT_STATUS_MESSAGE = "Must be one of: OPEN, RESOLVED"
DUPLICATE_ITEM_MESSAGE = "Each item may appear only once"
MAX_TRANSFER_LINES = 100
LINES_COUNT_MESSAGE = f"Must contain between 1 and {MAX_TRANSFER_LINES} lines"
RECEIVE_LINES_MESSAGE = f"Must contain at most {MAX_TRANSFER_LINES} lines"
POSITIVE_MESSAGE = "Must be greater than 0"
NON_NEGATIVE_MESSAGE = "Must be greater than or equal to 0"
TTL_MESSAGE = "Must be between 1 and 604800"
MAX_TTL_SECONDS = 604800
DEFAULT_TTL_SECONDS = 900


@extend_schema_field(OpenApiTypes.STR)
class Choice(StrictMixin, serializers.Field):
    """A JSON string that must be one of ``choices`` (``message`` otherwise)."""

    def __init__(self, *, choices, message: str, **kw):
        self.choices, self.message = list(choices), message
        super().__init__(**kw)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if data not in self.choices:
            raise serializers.ValidationError(self.message)
        return data

    def to_representation(self, value):
        return value


def optional_text(max_length: int | None = None, **kw):
    return fields.Text(max_length=max_length, allow_blank=True, required=False, **kw)


# -- branches ---------------------------------------------------------------------------------
class BranchUpdateInput(fields.InputSerializer):
    name = fields.Text(max_length=255, required=False)
    address = optional_text()
    city = optional_text(100)
    country = optional_text(100)
    phone_number = fields.Text(max_length=20, message=PHONE_MESSAGE, rule=phone_problem, required=False)
    email = fields.Text(max_length=255, message=EMAIL_MESSAGE, rule=email_problem, required=False)
    manager_name = optional_text(255)
    is_active = fields.Boolean(required=False)


class BranchCreateInput(fields.InputSerializer):
    name = fields.Text(max_length=255)
    code = fields.Text(max_length=50)
    address = optional_text()
    city = optional_text(100)
    country = optional_text(100)
    phone_number = fields.Text(max_length=20, message=PHONE_MESSAGE, rule=phone_problem, required=False)
    email = fields.Text(max_length=255, message=EMAIL_MESSAGE, rule=email_problem, required=False)
    manager_name = optional_text(255)


# -- categories -------------------------------------------------------------------------------
class CategoryCreateInput(fields.InputSerializer):
    name = fields.Text(max_length=255)
    description = optional_text()
    parent_category_id = fields.UUIDValue(required=False)


class CategoryUpdateInput(fields.InputSerializer):
    name = fields.Text(max_length=255, required=False)
    description = optional_text()
    parent_category_id = fields.UUIDValue(required=False)
    is_active = fields.Boolean(required=False)


# -- items ------------------------------------------------------------------------------------
class ItemUpdateInput(fields.InputSerializer):
    name = fields.Text(max_length=255, required=False)
    description = optional_text()
    category_id = fields.UUIDValue(required=False)
    unit_of_measure = fields.Text(max_length=50, required=False)
    unit_price = fields.Money(required=False)
    reorder_level = fields.Integer(min_value=0, range_message=NON_NEGATIVE_MESSAGE, required=False)
    reorder_quantity = fields.Integer(min_value=0, range_message=NON_NEGATIVE_MESSAGE, required=False)
    barcode = optional_text(255)
    image_url = optional_text(500)
    is_active = fields.Boolean(required=False)


class ItemCreateInput(fields.InputSerializer):
    sku = fields.Text(max_length=100)
    name = fields.Text(max_length=255)
    description = optional_text()
    category_id = fields.UUIDValue(required=False)
    unit_of_measure = fields.Text(max_length=50)
    unit_price = fields.Money()
    reorder_level = fields.Integer(min_value=0, range_message=NON_NEGATIVE_MESSAGE, required=False)
    reorder_quantity = fields.Integer(min_value=0, range_message=NON_NEGATIVE_MESSAGE, required=False)
    barcode = optional_text(255)
    image_url = optional_text(500)


# -- movements and reservations ---------------------------------------------------------------
class MovementCreateInput(fields.InputSerializer):
    inventory_item_id = fields.UUIDValue()
    movement_type = Choice(choices=RECORDABLE_TYPES, message=MOVEMENT_TYPE_MESSAGE)
    quantity = fields.Integer(min_value=1, range_message=POSITIVE_MESSAGE)
    from_branch_id = fields.UUIDValue(required=False)
    to_branch_id = fields.UUIDValue(required=False)
    unit_price = fields.Money(required=False)
    reference_number = optional_text(100)
    notes = optional_text()


class ReservationCreateInput(fields.InputSerializer):
    inventory_item_id = fields.UUIDValue()
    branch_id = fields.UUIDValue()
    quantity = fields.Integer(min_value=1, range_message=POSITIVE_MESSAGE)
    reference_number = optional_text(100)
    ttl_seconds = fields.Integer(min_value=1, max_value=MAX_TTL_SECONDS, range_message=TTL_MESSAGE, required=False)


# -- transfers (docs/api.md §27) --------------------------------------------------------------
class TransferLineInput(fields.InputSerializer):
    inventory_item_id = fields.UUIDValue()
    quantity = fields.Integer(min_value=1, range_message=POSITIVE_MESSAGE)


class ReceiveLineInput(fields.InputSerializer):
    inventory_item_id = fields.UUIDValue()
    received_quantity = fields.Integer(min_value=0, range_message=NON_NEGATIVE_MESSAGE)


class LineArray(StrictMixin, serializers.Field):
    """A JSON array of line objects, each checked by ``line`` (an input serializer). Errors of a
    line's fields are reported as ``lines[<index>].<field>`` (``LinesInput`` flattens them); an
    item named twice makes the whole array invalid (``Each item may appear only once``)."""

    line: type[fields.InputSerializer]
    min_length, max_length, count_message = 1, MAX_TRANSFER_LINES, LINES_COUNT_MESSAGE

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("invalid")
        if not self.min_length <= len(data) <= self.max_length:
            raise serializers.ValidationError(self.count_message)
        values, errors = [], {}
        for index, entry in enumerate(data):
            if not isinstance(entry, dict):
                errors[f"[{index}]"] = [fields.INVALID]
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


@extend_schema_field(TransferLineInput(many=True))
class TransferLines(LineArray):
    line = TransferLineInput


@extend_schema_field(ReceiveLineInput(many=True))
class ReceiveLines(LineArray):
    line = ReceiveLineInput
    min_length, count_message = 0, RECEIVE_LINES_MESSAGE


class LinesInput(fields.InputSerializer):
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


class TransferCreateInput(LinesInput):
    from_branch_id = fields.UUIDValue()
    to_branch_id = fields.UUIDValue()
    lines = TransferLines()
    reference_number = optional_text(100)
    notes = optional_text()


class TransferReceiveInput(LinesInput):
    lines = ReceiveLines(required=False)


# -- output -----------------------------------------------------------------------------------
class Money(serializers.DecimalField):
    """Money on the wire: a string with exactly two fraction digits."""

    def __init__(self, **kw):
        super().__init__(max_digits=10, decimal_places=2, coerce_to_string=True, read_only=True, **kw)


class BranchOutput(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    code = serializers.CharField(read_only=True)
    address = serializers.CharField(read_only=True, allow_null=True)
    city = serializers.CharField(read_only=True, allow_null=True)
    country = serializers.CharField(read_only=True, allow_null=True)
    phone_number = serializers.CharField(read_only=True, allow_null=True)
    email = serializers.CharField(read_only=True, allow_null=True)
    manager_name = serializers.CharField(read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class CategoryOutput(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True, allow_null=True)
    parent_category_id = serializers.UUIDField(read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


@extend_schema_field({"type": "array", "items": {"$ref": "#/components/schemas/CategoryTreeNodeOutput"}})
class CategoryChildren(serializers.ListField):
    """The node's active children: nodes of the same shape (documented as a recursive schema)."""


class CategoryTreeNodeOutput(serializers.Serializer):
    """One node of ``GET categories/tree`` (built as plain dicts by selectors.category_tree)."""

    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    children = CategoryChildren(child=serializers.DictField(), read_only=True)


class ItemOutput(serializers.Serializer):
    """Reads ``category_name`` and ``total_stock`` annotations (selectors.items_queryset)."""

    id = serializers.UUIDField(read_only=True)
    sku = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True, allow_null=True)
    category_id = serializers.UUIDField(read_only=True, allow_null=True)
    category_name = serializers.CharField(read_only=True, allow_null=True)
    unit_of_measure = serializers.CharField(read_only=True)
    unit_price = Money()
    reorder_level = serializers.IntegerField(read_only=True)
    reorder_quantity = serializers.IntegerField(read_only=True)
    barcode = serializers.CharField(read_only=True, allow_null=True)
    image_url = serializers.CharField(read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)
    total_stock = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class StockLevelOutput(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    inventory_item_id = serializers.UUIDField(read_only=True)
    inventory_item_name = serializers.CharField(source="inventory_item.name", read_only=True)
    sku = serializers.CharField(source="inventory_item.sku", read_only=True)
    branch_id = serializers.UUIDField(read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    reserved_quantity = serializers.IntegerField(read_only=True)
    available_quantity = serializers.IntegerField(read_only=True)
    last_counted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True)


class MovementOutput(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    inventory_item_id = serializers.UUIDField(read_only=True)
    inventory_item_name = serializers.CharField(source="inventory_item.name", read_only=True)
    sku = serializers.CharField(source="inventory_item.sku", read_only=True)
    from_branch_id = serializers.UUIDField(read_only=True, allow_null=True)
    from_branch_name = serializers.CharField(source="from_branch.name", read_only=True, allow_null=True)
    to_branch_id = serializers.UUIDField(read_only=True, allow_null=True)
    to_branch_name = serializers.CharField(source="to_branch.name", read_only=True, allow_null=True)
    movement_type = serializers.ChoiceField(choices=MovementType.values, read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    unit_price = Money(allow_null=True)
    reference_number = serializers.CharField(read_only=True, allow_null=True)
    notes = serializers.CharField(read_only=True, allow_null=True)
    performed_by = serializers.UUIDField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    transfer_id = serializers.UUIDField(read_only=True, allow_null=True)
    from_balance_after = serializers.IntegerField(read_only=True, allow_null=True)
    to_balance_after = serializers.IntegerField(read_only=True, allow_null=True)


def effective_status(reservation) -> str:
    """ACTIVE past ``expires_at`` is reported as EXPIRED (docs/api.md §14.4)."""
    if reservation.status == ReservationStatus.ACTIVE and reservation.expires_at <= timezone.now():
        return ReservationStatus.EXPIRED
    return reservation.status


class ReservationOutput(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    inventory_item_id = serializers.UUIDField(read_only=True)
    sku = serializers.CharField(source="inventory_item.sku", read_only=True)
    branch_id = serializers.UUIDField(read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    status = serializers.SerializerMethodField()
    reference_number = serializers.CharField(read_only=True, allow_null=True)
    expires_at = serializers.DateTimeField(read_only=True)
    created_by = serializers.UUIDField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    movement_id = serializers.UUIDField(read_only=True, allow_null=True)

    @extend_schema_field({"type": "string", "enum": ReservationStatus.values})
    def get_status(self, obj) -> str:
        return effective_status(obj)


class BranchAssignmentOutput(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    branch_id = serializers.UUIDField(read_only=True)
    user_id = serializers.UUIDField(read_only=True)
    email = serializers.CharField(source="user.credentials.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    created_by = serializers.UUIDField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class TransferLineOutput(serializers.Serializer):
    inventory_item_id = serializers.UUIDField(read_only=True)
    sku = serializers.CharField(source="inventory_item.sku", read_only=True)
    inventory_item_name = serializers.CharField(source="inventory_item.name", read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    received_quantity = serializers.IntegerField(read_only=True, allow_null=True)
    short_quantity = serializers.IntegerField(read_only=True, allow_null=True)


class TransferOutput(serializers.Serializer):
    """Reads the transfer with its branches and prefetched lines (selectors.transfers_queryset)."""

    id = serializers.UUIDField(read_only=True)
    from_branch_id = serializers.UUIDField(read_only=True)
    from_branch_name = serializers.CharField(source="from_branch.name", read_only=True)
    to_branch_id = serializers.UUIDField(read_only=True)
    to_branch_name = serializers.CharField(source="to_branch.name", read_only=True)
    status = serializers.ChoiceField(choices=TransferStatus.values, read_only=True)
    reference_number = serializers.CharField(read_only=True, allow_null=True)
    notes = serializers.CharField(read_only=True, allow_null=True)
    dispatched_by = serializers.UUIDField(read_only=True, allow_null=True)
    dispatched_at = serializers.DateTimeField(read_only=True)
    received_by = serializers.UUIDField(read_only=True, allow_null=True)
    received_at = serializers.DateTimeField(read_only=True, allow_null=True)
    cancelled_by = serializers.UUIDField(read_only=True, allow_null=True)
    cancelled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    lines = TransferLineOutput(many=True, read_only=True, source="lines.all")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class StockAlertOutput(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    inventory_item_id = serializers.UUIDField(read_only=True)
    sku = serializers.CharField(source="inventory_item.sku", read_only=True)
    inventory_item_name = serializers.CharField(source="inventory_item.name", read_only=True)
    branch_id = serializers.UUIDField(read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    status = serializers.ChoiceField(choices=AlertStatus.values, read_only=True)
    available_at_open = serializers.IntegerField(read_only=True)
    reorder_level_at_open = serializers.IntegerField(read_only=True)
    opened_at = serializers.DateTimeField(read_only=True)
    resolved_at = serializers.DateTimeField(read_only=True, allow_null=True)
