"""Inventory data in ``inventory_schema`` (docs/api.md §22).

Stock changes only through ``inventory_app.services``: the ledger (``StockMovement``) is
append-only and, for every (item, branch), ``StockLevel.quantity`` equals the signed sum of its
movements.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from natjoub.db.models import CreatedAtModel, TimestampedModel, UUIDModel


class Branch(TimestampedModel):
    """A physical store or warehouse."""

    name = models.CharField(max_length=255)
    code = models.CharField(max_length=50, unique=True)
    address = models.TextField(null=True, blank=True)
    city = models.CharField(max_length=100, null=True, blank=True)
    country = models.CharField(max_length=100, null=True, blank=True)
    phone_number = models.CharField(max_length=20, null=True, blank=True)
    email = models.CharField(max_length=255, null=True, blank=True)
    manager_name = models.CharField(max_length=255, null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = '"inventory_schema"."branches"'
        ordering = ["created_at", "id"]
        verbose_name_plural = "branches"

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Category(TimestampedModel):
    """A product category; categories form a tree through ``parent_category``."""

    name = models.CharField(max_length=255, unique=True)
    description = models.TextField(null=True, blank=True)
    parent_category = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = '"inventory_schema"."categories"'
        ordering = ["name", "id"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class InventoryItem(TimestampedModel):
    """A product identified by its SKU."""

    sku = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="items")
    unit_of_measure = models.CharField(max_length=50)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    reorder_level = models.IntegerField(default=10)
    reorder_quantity = models.IntegerField(default=50)
    barcode = models.CharField(max_length=255, null=True, blank=True)
    image_url = models.CharField(max_length=500, null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = '"inventory_schema"."inventory_items"'
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.sku} — {self.name}"


class StockLevel(UUIDModel):
    """Units of one item at one branch; ``reserved_quantity`` is held by ACTIVE reservations."""

    inventory_item = models.ForeignKey(InventoryItem, on_delete=models.CASCADE, related_name="stock_levels")
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="stock_levels")
    quantity = models.IntegerField(default=0)
    reserved_quantity = models.IntegerField(default=0)
    last_counted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = '"inventory_schema"."stock_levels"'
        ordering = ["branch", "inventory_item", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inventory_item", "branch"],
                name="stock_levels_item_branch_uniq",
                violation_error_message="This item already has a stock row at this branch",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0),
                name="stock_levels_quantity_non_negative",
                violation_error_message="Quantity cannot be negative",
            ),
            models.CheckConstraint(
                condition=Q(reserved_quantity__gte=0) & Q(reserved_quantity__lte=F("quantity")),
                name="stock_levels_reserved_within_quantity",
                violation_error_message="Reserved quantity must be between 0 and the quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inventory_item_id}@{self.branch_id}: {self.quantity}"

    @property
    def available_quantity(self) -> int:
        return self.quantity - self.reserved_quantity


class MovementType(models.TextChoices):
    IN = "IN", "In"
    OUT = "OUT", "Out"
    TRANSFER = "TRANSFER", "Transfer"
    ADJUSTMENT = "ADJUSTMENT", "Adjustment"
    RETURN = "RETURN", "Return"


class StockMovement(CreatedAtModel):
    """One ledger entry. Never updated or deleted."""

    inventory_item = models.ForeignKey(InventoryItem, on_delete=models.PROTECT, related_name="movements")
    from_branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="outgoing_movements"
    )
    to_branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="incoming_movements"
    )
    movement_type = models.CharField(max_length=50, choices=MovementType.choices)
    quantity = models.IntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    reference_number = models.CharField(max_length=100, null=True, blank=True, db_index=True)
    notes = models.TextField(null=True, blank=True)
    performed_by = models.UUIDField(null=True, blank=True)

    class Meta:
        db_table = '"inventory_schema"."stock_movements"'
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at"], name="stock_movements_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="stock_movements_quantity_positive",
                violation_error_message="Must be greater than 0",
            ),
            models.CheckConstraint(
                condition=Q(from_branch__isnull=False) | Q(to_branch__isnull=False),
                name="stock_movements_has_branch",
                violation_error_message="A movement needs a FROM or a TO branch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.movement_type} {self.quantity} of {self.inventory_item_id}"


class ReservationStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    RELEASED = "RELEASED", "Released"
    COMMITTED = "COMMITTED", "Committed"
    EXPIRED = "EXPIRED", "Expired"


class StockReservation(TimestampedModel):
    """Units of an (item, branch) held for a while; committing records an OUT movement."""

    inventory_item = models.ForeignKey(InventoryItem, on_delete=models.PROTECT, related_name="reservations")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.IntegerField()
    status = models.CharField(max_length=20, choices=ReservationStatus.choices, default=ReservationStatus.ACTIVE)
    reference_number = models.CharField(max_length=100, null=True, blank=True)
    expires_at = models.DateTimeField()
    movement = models.ForeignKey(
        StockMovement, on_delete=models.PROTECT, null=True, blank=True, related_name="reservations"
    )
    created_by = models.UUIDField(null=True, blank=True)

    class Meta:
        db_table = '"inventory_schema"."stock_reservations"'
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="reservations_status_exp_idx"),
            models.Index(fields=["inventory_item", "branch"], name="reservations_item_branch_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="stock_reservations_quantity_positive",
                violation_error_message="Must be greater than 0",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReservationStatus.values),
                name="stock_reservations_status_valid",
                violation_error_message="Must be one of: ACTIVE, RELEASED, COMMITTED, EXPIRED",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.status} {self.quantity} of {self.inventory_item_id}@{self.branch_id}"
