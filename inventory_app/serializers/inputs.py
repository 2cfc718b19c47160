"""Input serializers: shape and types only (docs/api.md §1.2, §9–§15, §27). Field names are
snake_case here; the parser converts top-level camelCase keys (nested line objects are converted
by ``LineArray``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory_app.models import RECORDABLE_TYPES
from natjoub.api import fields
from natjoub.api.contact_rules import EMAIL_MESSAGE, PHONE_MESSAGE, email_problem, phone_problem
from natjoub.api.fields import LineArray, LinesInput, StrictMixin

MOVEMENT_TYPE_MESSAGE = "Must be one of: IN, OUT, TRANSFER, ADJUSTMENT, RETURN"
MOVEMENT_FILTER_MESSAGE = "Must be one of: IN, OUT, TRANSFER, ADJUSTMENT, RETURN, TRANSFER_OUT, TRANSFER_IN"
STATUS_MESSAGE = "Must be one of: ACTIVE, RELEASED, COMMITTED, EXPIRED"
TRANSFER_STATUS_MESSAGE = "Must be one of: IN_TRANSIT, RECEIVED, CANCELLED"
ALERT_STATUS_MESSAGE = "Must be one of: OPEN, RESOLVED"
MAX_TRANSFER_LINES = 100
LINES_COUNT_MESSAGE = f"Must contain between 1 and {MAX_TRANSFER_LINES} lines"
RECEIVE_LINES_MESSAGE = f"Must contain at most {MAX_TRANSFER_LINES} lines"
POSITIVE_MESSAGE = "Must be greater than 0"
NON_NEGATIVE_MESSAGE = "Must be greater than or equal to 0"
TTL_MESSAGE = "Must be between 1 and 604800"
MAX_TTL_SECONDS = 604800


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


@extend_schema_field(TransferLineInput(many=True))
class TransferLines(LineArray):
    line = TransferLineInput
    max_length, count_message = MAX_TRANSFER_LINES, LINES_COUNT_MESSAGE


@extend_schema_field(ReceiveLineInput(many=True))
class ReceiveLines(LineArray):
    line = ReceiveLineInput
    min_length, max_length, count_message = 0, MAX_TRANSFER_LINES, RECEIVE_LINES_MESSAGE


class TransferCreateInput(LinesInput):
    from_branch_id = fields.UUIDValue()
    to_branch_id = fields.UUIDValue()
    lines = TransferLines()
    reference_number = optional_text(100)
    notes = optional_text()


class TransferReceiveInput(LinesInput):
    lines = ReceiveLines(required=False)
