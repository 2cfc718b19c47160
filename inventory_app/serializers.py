"""Input serializers (shape and types only) and read-only output serializers (docs/api.md §8).

Field names are snake_case here; the parser and renderer convert to and from camelCase.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory_app.models import MovementType, ReservationStatus
from natjoub.api import fields
from natjoub.api.contact_rules import EMAIL_MESSAGE, PHONE_MESSAGE, email_problem, phone_problem
from natjoub.api.fields import StrictMixin

MOVEMENT_TYPE_MESSAGE = "Must be one of: IN, OUT, TRANSFER, ADJUSTMENT, RETURN"
STATUS_MESSAGE = "Must be one of: ACTIVE, RELEASED, COMMITTED, EXPIRED"
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
    movement_type = Choice(choices=MovementType.values, message=MOVEMENT_TYPE_MESSAGE)
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
