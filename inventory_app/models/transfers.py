"""Two-step transfers between branches (docs/api.md §27)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from inventory_app.models.catalog import Branch, InventoryItem
from inventory_app.scoping import BranchScopedQuerySet
from natjoub.db.models import TimestampedModel, UUIDModel


class TransferStatus(models.TextChoices):
    IN_TRANSIT = "IN_TRANSIT", "In transit"
    RECEIVED = "RECEIVED", "Received"
    CANCELLED = "CANCELLED", "Cancelled"


class StockTransfer(TimestampedModel):
    """Stock of one or more items on its way from one branch to another. Dispatch records a
    TRANSFER_OUT per line; receive (possibly short) or cancel records the TRANSFER_INs."""

    objects = BranchScopedQuerySet.as_manager()
    scope_branch_fields = ("from_branch", "to_branch")

    from_branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="outgoing_transfers")
    to_branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="incoming_transfers")
    status = models.CharField(max_length=20, choices=TransferStatus.choices, default=TransferStatus.IN_TRANSIT)
    reference_number = models.CharField(max_length=100, null=True, blank=True)
    notes = models.TextField(null=True, blank=True)
    dispatched_by = models.UUIDField(null=True, blank=True)
    received_by = models.UUIDField(null=True, blank=True)
    cancelled_by = models.UUIDField(null=True, blank=True)
    dispatched_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = '"inventory_schema"."stock_transfers"'
        ordering = ["-dispatched_at", "-id"]
        indexes = [models.Index(fields=["dispatched_at"], name="stock_transfers_dispatched_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TransferStatus.values),
                name="stock_transfers_status_valid",
                violation_error_message="Must be one of: IN_TRANSIT, RECEIVED, CANCELLED",
            ),
            models.CheckConstraint(
                condition=~Q(from_branch=F("to_branch")),
                name="stock_transfers_branches_differ",
                violation_error_message="FROM and TO branches must differ",
            ),
        ]

    def __str__(self) -> str:
        return f"Transfer {self.pk} ({self.status})"


class StockTransferLine(UUIDModel):
    """One item of a transfer: ``quantity`` shipped, ``received_quantity`` once received."""

    transfer = models.ForeignKey(StockTransfer, on_delete=models.CASCADE, related_name="lines")
    inventory_item = models.ForeignKey(InventoryItem, on_delete=models.PROTECT, related_name="transfer_lines")
    quantity = models.IntegerField()
    received_quantity = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = '"inventory_schema"."stock_transfer_lines"'
        ordering = ["transfer", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["transfer", "inventory_item"],
                name="stock_transfer_lines_item_uniq",
                violation_error_message="Each item may appear only once",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="stock_transfer_lines_quantity_positive",
                violation_error_message="Must be greater than 0",
            ),
            models.CheckConstraint(
                condition=Q(received_quantity__isnull=True)
                | (Q(received_quantity__gte=0) & Q(received_quantity__lte=F("quantity"))),
                name="stock_transfer_lines_received_within_quantity",
                violation_error_message="Received quantity must be between 0 and the quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.inventory_item_id}"

    @property
    def short_quantity(self) -> int | None:
        return None if self.received_quantity is None else self.quantity - self.received_quantity


# -- stock alerts (docs/api.md §29a) ----------------------------------------------------------
