"""Stock levels, the ledger and reservations (docs/api.md §12-§14). Stock changes only through
``inventory_app.services``: the ledger is append-only and, for every (item, branch),
``StockLevel.quantity`` equals the signed sum of its movements."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from inventory_app.models.catalog import Branch, InventoryItem
from inventory_app.scoping import BranchScopedQuerySet
from natjoub.db.models import CreatedAtModel, TimestampedModel, UUIDModel


class StockLevel(UUIDModel):
    """Units of one item at one branch; ``reserved_quantity`` is held by ACTIVE reservations."""

    objects = BranchScopedQuerySet.as_manager()
    scope_branch_fields = ("branch",)

    inventory_item = models.ForeignKey(InventoryItem, on_delete=models.CASCADE, related_name="stock_levels")
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="stock_levels")
    quantity = models.IntegerField(default=0)
    reserved_quantity = models.IntegerField(default=0)
    last_counted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # At or below the item's reorder level, item active: kept by triggers whatever writes the row
    # or the item (migration 0012; the low-stock list reads it, docs/architecture.md §3.8).
    is_low = models.BooleanField(db_default=False, editable=False)

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
    # recorded only by two-step transfers (docs/api.md §27)
    TRANSFER_OUT = "TRANSFER_OUT", "Transfer out"
    TRANSFER_IN = "TRANSFER_IN", "Transfer in"


# What POST /movements and the back office's "Record movement" accept (docs/api.md §12, §25).
RECORDABLE_TYPES = (
    MovementType.IN,
    MovementType.OUT,
    MovementType.TRANSFER,
    MovementType.ADJUSTMENT,
    MovementType.RETURN,
)


class StockMovement(CreatedAtModel):
    """One ledger entry. Never updated or deleted.

    ``from_balance_after`` / ``to_balance_after``: the quantity of the from / to stock row right
    after this movement, or null where the movement did not change that side (docs/api.md §28)."""

    objects = BranchScopedQuerySet.as_manager()
    scope_branch_fields = ("from_branch", "to_branch")

    # Indexed by the (…, created_at, id) indexes of Meta, which also serve the foreign keys.
    inventory_item = models.ForeignKey(
        InventoryItem, on_delete=models.PROTECT, related_name="movements", db_index=False
    )
    from_branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="outgoing_movements", db_index=False
    )
    to_branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="incoming_movements", db_index=False
    )
    movement_type = models.CharField(max_length=50, choices=MovementType.choices)
    quantity = models.IntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    reference_number = models.CharField(max_length=100, null=True, blank=True, db_index=True)
    notes = models.TextField(null=True, blank=True)
    performed_by = models.UUIDField(null=True, blank=True)
    transfer = models.ForeignKey(
        "StockTransfer", on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    from_balance_after = models.IntegerField(null=True, blank=True)
    to_balance_after = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = '"inventory_schema"."stock_movements"'
        ordering = ["-created_at", "-id"]
        # One per way the list is read, each in the list's order (docs/architecture.md §3.7): a page
        # is a range scan of ``limit`` entries whatever the ledger's size. The branch indexes skip
        # the side a movement does not have (a branch filter never looks for NULL).
        indexes = [
            models.Index(fields=["created_at", "id"], name="stock_movements_created_id_idx"),
            models.Index(fields=["inventory_item", "created_at", "id"], name="stock_movements_item_idx"),
            models.Index(
                fields=["from_branch", "created_at", "id"],
                condition=Q(from_branch__isnull=False),
                name="stock_movements_from_idx",
            ),
            models.Index(
                fields=["to_branch", "created_at", "id"],
                condition=Q(to_branch__isnull=False),
                name="stock_movements_to_idx",
            ),
        ]
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


class MovementDayCount(models.Model):
    """Movements per UTC day, type and (FROM, TO) branches, kept by statement triggers on the
    ledger (migration 0010) in the same transaction as the movements: the back office's movements
    chart reads 30 days of these instead of aggregating hundreds of thousands of movements
    (docs/architecture.md, "Charts in the back office"). Spread over slots like the list
    counters (natjoub/db/counters.py); a read sums them. Written only by the triggers."""

    day = models.DateField()
    movement_type = models.CharField(max_length=50)
    from_branch_id = models.UUIDField(null=True)
    to_branch_id = models.UUIDField(null=True)
    slot = models.SmallIntegerField()
    n = models.BigIntegerField(default=0)

    class Meta:
        db_table = '"inventory_schema"."movement_day_counts"'
        ordering = ["day", "movement_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "movement_type", "from_branch_id", "to_branch_id", "slot"],
                nulls_distinct=False,
                name="movement_day_counts_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.movement_type} {self.from_branch_id}->{self.to_branch_id}[{self.slot}] = {self.n}"


class ReservationStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    RELEASED = "RELEASED", "Released"
    COMMITTED = "COMMITTED", "Committed"
    EXPIRED = "EXPIRED", "Expired"


class StockReservation(TimestampedModel):
    """Units of an (item, branch) held for a while; committing records an OUT movement."""

    objects = BranchScopedQuerySet.as_manager()
    scope_branch_fields = ("branch",)

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


# -- branch assignments (docs/api.md §26) -----------------------------------------------------
