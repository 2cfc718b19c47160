"""Low-stock alerts per item and branch (docs/api.md §29a)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from inventory_app.models.catalog import Branch, InventoryItem
from inventory_app.scoping import BranchScopedQuerySet
from natjoub.db.models import UUIDModel


class AlertStatus(models.TextChoices):
    OPEN = "OPEN", "Open"
    RESOLVED = "RESOLVED", "Resolved"


class StockAlert(UUIDModel):
    """An (item, branch) whose available quantity reached its reorder level. Opened and resolved
    in the transaction of the change that causes it (inventory_app.services.alerts); at most one
    OPEN per (item, branch), enforced by a partial unique index."""

    objects = BranchScopedQuerySet.as_manager()
    scope_branch_fields = ("branch",)

    inventory_item = models.ForeignKey(InventoryItem, on_delete=models.CASCADE, related_name="stock_alerts")
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="stock_alerts")
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    available_at_open = models.IntegerField()
    reorder_level_at_open = models.IntegerField()
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = '"inventory_schema"."stock_alerts"'
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["opened_at"], name="stock_alerts_opened_idx"),
            models.Index(fields=["inventory_item", "branch"], name="stock_alerts_item_branch_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["inventory_item", "branch"],
                condition=Q(status="OPEN"),
                name="stock_alerts_one_open_uniq",
                violation_error_message="This item already has an open alert at this branch",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AlertStatus.values),
                name="stock_alerts_status_valid",
                violation_error_message="Must be one of: OPEN, RESOLVED",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.status} alert {self.inventory_item_id}@{self.branch_id}"
