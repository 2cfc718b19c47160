"""The ledger, stock rows and reservations: read-only, changed only through the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import path

from inventory_app import selectors, services
from inventory_app.admin.mixins import CsvExportMixin
from inventory_app.admin.views import record_movement_view
from inventory_app.models import ReservationStatus, StockLevel, StockMovement, StockReservation
from natjoub.admin.readonly import ReadOnlyAdmin
from natjoub.api.errors import ApplicationError


class LowStockFilter(admin.SimpleListFilter):
    """Rows whose available quantity is at or below the item's reorder level."""

    title = "low stock"
    parameter_name = "low_stock"

    def lookups(self, request, model_admin):
        return [("yes", "Low stock (active items and branches)")]

    def queryset(self, request, queryset):
        return selectors.low_stock_filter(queryset) if self.value() == "yes" else queryset


@admin.register(StockLevel)
class StockLevelAdmin(CsvExportMixin, ReadOnlyAdmin):
    list_display = ("inventory_item", "branch", "quantity", "reserved_quantity", "last_counted_at", "updated_at")
    list_filter = (LowStockFilter, "branch")
    search_fields = ("inventory_item__sku", "inventory_item__name", "branch__code", "branch__name")
    list_select_related = ("inventory_item", "branch")


@admin.register(StockMovement)
class StockMovementAdmin(CsvExportMixin, ReadOnlyAdmin):
    list_display = (
        "created_at",
        "movement_type",
        "inventory_item",
        "quantity",
        "from_branch",
        "to_branch",
        "reference_number",
        "performed_by",
        "from_balance_after",
        "to_balance_after",
    )
    list_filter = ("movement_type", "created_at", "from_branch", "to_branch")
    search_fields = ("inventory_item__sku", "inventory_item__name", "reference_number", "notes")
    list_select_related = ("inventory_item", "from_branch", "to_branch")
    date_hierarchy = "created_at"

    def get_urls(self):
        record = self.admin_site.admin_view(lambda request: record_movement_view(self, request))
        return [path("record/", record, name="inventory_app_stockmovement_record"), *super().get_urls()]


@admin.register(StockReservation)
class StockReservationAdmin(ReadOnlyAdmin):
    list_display = ("id", "inventory_item", "branch", "quantity", "status", "expires_at", "reference_number")
    list_filter = ("status", "branch")
    search_fields = ("inventory_item__sku", "reference_number")
    list_select_related = ("inventory_item", "branch")
    actions = ("release_selected", "commit_selected")

    def _finish_each(self, request, queryset, finish, verb: str) -> None:
        done = 0
        for reservation in queryset.filter(status=ReservationStatus.ACTIVE):
            try:
                finish(reservation.pk)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{reservation.pk}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{verb} {done} reservation(s).", messages.SUCCESS)

    @admin.action(description="Release selected active reservations")
    def release_selected(self, request, queryset):
        self._finish_each(request, queryset, lambda pk: services.reservation_release(reservation_id=pk), "Released")

    @admin.action(description="Commit selected active reservations (records OUT movements)")
    def commit_selected(self, request, queryset):
        self._finish_each(
            request,
            queryset,
            lambda pk: services.reservation_commit(reservation_id=pk, performed_by=request.user.pk),
            "Committed",
        )
