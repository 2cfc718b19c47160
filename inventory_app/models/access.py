"""Sellers' access: branch assignments and all-branches grants (docs/api.md §26, §36)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

from inventory_app.models.catalog import Branch
from natjoub.db.models import CreatedAtModel


class BranchAssignment(CreatedAtModel):
    """A seller assigned to a branch: without an all-branches grant (``SellerGrant``), a seller
    sees and changes stock only at its assigned branches (docs/api.md §36,
    inventory_app.selectors.access)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="branch_assignments")
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="assignments")
    created_by = models.UUIDField(null=True, blank=True)

    class Meta:
        db_table = '"inventory_schema"."branch_assignments"'
        ordering = ["branch", "user", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "branch"],
                name="branch_assignments_user_branch_uniq",
                violation_error_message="This seller is already assigned to this branch",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} at {self.branch_id}"


class SellerGrant(models.Model):
    """An all-branches grant (docs/api.md §36): the seller acts on every branch, present and
    future. Without one (and without assignments) a seller acts on no branch."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="seller_grant"
    )
    granted_by = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)

    class Meta:
        db_table = '"inventory_schema"."seller_grants"'
        ordering = ["created_at", "user"]

    def __str__(self) -> str:
        return f"{self.user_id}: every branch"


# -- two-step transfers (docs/api.md §27) -----------------------------------------------------
