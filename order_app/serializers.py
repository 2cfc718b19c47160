"""Order inputs (shape and types only) and outputs (docs/api.md §37.3, §37.6, §37.7, §37.13).
Field names are snake_case; the parser converts top-level camelCase keys and ``LineArray`` the
keys of each line object."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from natjoub.api import fields
from natjoub.api.fields import LineArray, LinesInput, Money, StrictMixin
from order_app.models import CancelReason

MAX_LINES = 50
MAX_QUANTITY = 1000
LINES_COUNT_MESSAGE = f"Must contain between 1 and {MAX_LINES} lines"
FULFIL_LINES_MESSAGE = f"Must contain at most {MAX_LINES} lines"
QUANTITY_MESSAGE = f"Must be between 1 and {MAX_QUANTITY}"
COLLECTED_MESSAGE = f"Must be between 0 and {MAX_QUANTITY}"
REASON_MESSAGE = "Must be one of: " + ", ".join(CancelReason.values)
STATUS_MESSAGE = "Must be one of: PLACED, CONFIRMED, READY, FULFILLED, CANCELLED, EXPIRED"


class PlaceLineInput(fields.InputSerializer):
    inventory_item_id = fields.UUIDValue()
    quantity = fields.Integer(min_value=1, max_value=MAX_QUANTITY, range_message=QUANTITY_MESSAGE)


class FulfilLineInput(fields.InputSerializer):
    inventory_item_id = fields.UUIDValue()
    quantity = fields.Integer(min_value=0, max_value=MAX_QUANTITY, range_message=COLLECTED_MESSAGE)


@extend_schema_field(PlaceLineInput(many=True))
class PlaceLines(LineArray):
    line = PlaceLineInput
    max_length, count_message = MAX_LINES, LINES_COUNT_MESSAGE


@extend_schema_field(FulfilLineInput(many=True))
class FulfilLines(LineArray):
    line = FulfilLineInput
    min_length, max_length, count_message = 0, MAX_LINES, FULFIL_LINES_MESSAGE


class OrderPlaceInput(LinesInput):
    branch_id = fields.UUIDValue()
    lines = PlaceLines()
    notes = fields.Text(max_length=500, allow_blank=True, required=False)


class OrderFulfilInput(LinesInput):
    pickup_code = fields.Text(max_length=100)
    lines = FulfilLines(required=False)


@extend_schema_field(OpenApiTypes.STR)
class ReasonChoice(StrictMixin, serializers.Field):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if data not in CancelReason.values:
            raise serializers.ValidationError(REASON_MESSAGE)
        return data

    def to_representation(self, value):
        return value


class OrderCancelInput(fields.InputSerializer):
    reason = ReasonChoice(required=False)


# -- outputs --------------------------------------------------------------------------------
class OrderLineOutput(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    inventory_item_id = serializers.UUIDField(read_only=True)
    sku = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    unit_price = Money(read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    fulfilled_quantity = serializers.IntegerField(read_only=True, allow_null=True)
    line_total = Money(read_only=True)


class OrderEventOutput(serializers.Serializer):
    status = serializers.CharField(read_only=True)
    at = serializers.DateTimeField(read_only=True, source="created_at")
    actor_id = serializers.UUIDField(read_only=True, allow_null=True)
    actor_role = serializers.CharField(read_only=True, allow_null=True)
    reason = serializers.CharField(read_only=True, allow_null=True)


class OrderOutput(serializers.Serializer):
    """``OrderResponse`` (docs/api.md §37.13). ``status`` is the effective status; ``pickupCode``
    only for the customer who owns the order (the view passes it through ``shown_pickup_code``)."""

    id = serializers.UUIDField(read_only=True)
    number = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True, source="effective_status")
    customer_id = serializers.UUIDField(read_only=True)
    customer_name = serializers.CharField(read_only=True)
    customer_email = serializers.CharField(read_only=True)
    branch_id = serializers.UUIDField(read_only=True)
    branch_code = serializers.CharField(read_only=True)
    branch_name = serializers.CharField(read_only=True)
    currency = serializers.CharField(read_only=True)
    subtotal = Money(read_only=True)
    total = Money(read_only=True)
    notes = serializers.CharField(read_only=True, allow_null=True)
    cancel_reason = serializers.CharField(read_only=True, allow_null=True)
    pickup_code = serializers.CharField(read_only=True, allow_null=True, source="shown_pickup_code")
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True, source="effective_expires_at")
    placed_at = serializers.DateTimeField(read_only=True)
    confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    ready_at = serializers.DateTimeField(read_only=True, allow_null=True)
    fulfilled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    cancelled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    lines = OrderLineOutput(many=True, read_only=True, source="line_list")
    history = OrderEventOutput(many=True, read_only=True, source="event_list")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class OrderSummaryOutput(serializers.Serializer):
    """``OrderSummaryResponse``: every field a column or an annotation of the list's queryset."""

    id = serializers.UUIDField(read_only=True)
    number = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True, source="effective_status")
    branch_id = serializers.UUIDField(read_only=True)
    branch_name = serializers.CharField(read_only=True)
    currency = serializers.CharField(read_only=True)
    total = Money(read_only=True)
    item_count = serializers.IntegerField(read_only=True)
    placed_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True, source="effective_expires_at")
