"""Read-only output serializers (docs/api.md §8, §26–§29a); the renderer writes camelCase."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory_app.models import AlertStatus, MovementType, ReservationStatus, TransferStatus


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
    email = serializers.CharField(source="user_email", read_only=True)  # selectors: directory.email_of
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    created_by = serializers.UUIDField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class AccessBranchOutput(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class SellerAccessOutput(serializers.Serializer):
    """``SellerAccessResponse`` (docs/api.md §36), from ``selectors.access.SellerAccess``."""

    user_id = serializers.UUIDField(read_only=True)
    email = serializers.CharField(read_only=True)
    all_branches = serializers.BooleanField(read_only=True)
    branches = AccessBranchOutput(many=True, read_only=True)
    granted_by = serializers.UUIDField(read_only=True, allow_null=True)
    granted_at = serializers.DateTimeField(read_only=True, allow_null=True)


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
