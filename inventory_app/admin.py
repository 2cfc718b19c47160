"""Admin site for the inventory models (a later issue builds the full back office).

Stock never changes here except through the services: stock levels and movements are read-only,
reservations are released or committed with actions that call the services, and deletes of
branches and items go through the same in-use rules as the API."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.db.models import F
from django.http import HttpResponseRedirect
from django.urls import path

from inventory_app import services
from inventory_app.admin_views import export_as_csv, record_movement_view
from inventory_app.exceptions import CategoryCycle
from inventory_app.models import (
    Branch,
    Category,
    IdempotencyKey,
    InventoryItem,
    ReservationStatus,
    StockLevel,
    StockMovement,
    StockReservation,
)
from inventory_app.services.catalog import category_ancestor_ids
from natjoub.api.errors import ApplicationError


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ServiceDeleteMixin:
    """Single deletes go through the service (409 rules become an error message); no bulk delete."""

    delete_service = None

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, object_id)
            if obj is not None:
                try:
                    type(self).delete_service(obj.pk)
                except ApplicationError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                    return HttpResponseRedirect(request.path.rsplit("delete/", 1)[0])
                self.message_user(request, f"Deleted {obj}.", messages.SUCCESS)
                return HttpResponseRedirect("../../")
        return super().delete_view(request, object_id, extra_context)


@admin.register(Branch)
class BranchAdmin(ServiceDeleteMixin, admin.ModelAdmin):
    list_display = ("code", "name", "city", "country", "manager_name", "is_active", "created_at")
    list_filter = ("is_active", "country", "city")
    search_fields = ("code", "name", "city")
    readonly_fields = ("created_at", "updated_at")
    ordering = ("created_at", "id")

    @staticmethod
    def delete_service(pk):
        services.branch_delete(branch_id=pk)

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "code") if obj else self.readonly_fields


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ("name", "description", "parent_category", "is_active")

    def clean_parent_category(self):
        parent = self.cleaned_data.get("parent_category")
        if parent is not None and self.instance.pk and self.instance.pk in category_ancestor_ids(parent.pk):
            raise forms.ValidationError(CategoryCycle.default_message)
        return parent


@admin.register(Category)
class CategoryAdmin(ServiceDeleteMixin, admin.ModelAdmin):
    form = CategoryForm
    list_display = ("name", "parent_category", "is_active", "created_at")
    list_filter = ("is_active", ("parent_category", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "description")
    readonly_fields = ("created_at", "updated_at")
    autocomplete_fields = ("parent_category",)

    @staticmethod
    def delete_service(pk):
        services.category_delete(category_id=pk)


@admin.register(InventoryItem)
class InventoryItemAdmin(ServiceDeleteMixin, admin.ModelAdmin):
    list_display = ("sku", "name", "category", "unit_price", "reorder_level", "is_active", "created_at")
    list_filter = ("is_active", ("category", admin.RelatedOnlyFieldListFilter), "unit_of_measure")
    search_fields = ("sku", "name", "barcode")
    actions = (export_as_csv,)
    list_select_related = ("category",)
    readonly_fields = ("created_at", "updated_at")
    autocomplete_fields = ("category",)

    @staticmethod
    def delete_service(pk):
        services.item_delete(item_id=pk)

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "sku") if obj else self.readonly_fields


class LowStockFilter(admin.SimpleListFilter):
    """Rows whose available quantity is at or below the item's reorder level."""

    title = "low stock"
    parameter_name = "low_stock"

    def lookups(self, request, model_admin):
        return [("yes", "Low stock (active items and branches)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(
                quantity__lte=F("reserved_quantity") + F("inventory_item__reorder_level"),
                inventory_item__is_active=True,
                branch__is_active=True,
            )
        return queryset


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ("inventory_item", "branch", "quantity", "reserved_quantity", "last_counted_at", "updated_at")
    list_filter = (LowStockFilter, "branch")
    actions = (export_as_csv,)
    search_fields = ("inventory_item__sku", "inventory_item__name", "branch__code", "branch__name")
    list_select_related = ("inventory_item", "branch")


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "movement_type",
        "inventory_item",
        "quantity",
        "from_branch",
        "to_branch",
        "reference_number",
        "performed_by",
    )
    list_filter = ("movement_type", "created_at", "from_branch", "to_branch")
    search_fields = ("inventory_item__sku", "inventory_item__name", "reference_number", "notes")
    list_select_related = ("inventory_item", "from_branch", "to_branch")
    date_hierarchy = "created_at"
    actions = (export_as_csv,)

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

    def _settle(self, request, queryset, settle, verb: str) -> None:
        done = 0
        for reservation in queryset.filter(status=ReservationStatus.ACTIVE):
            try:
                settle(reservation.pk)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{reservation.pk}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{verb} {done} reservation(s).", messages.SUCCESS)

    @admin.action(description="Release selected active reservations")
    def release_selected(self, request, queryset):
        self._settle(request, queryset, lambda pk: services.reservation_release(reservation_id=pk), "Released")

    @admin.action(description="Commit selected active reservations (records OUT movements)")
    def commit_selected(self, request, queryset):
        self._settle(
            request,
            queryset,
            lambda pk: services.reservation_commit(reservation_id=pk, performed_by=request.user.pk),
            "Committed",
        )


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ("key", "user_id", "response_status", "created_at")
    search_fields = ("key", "user_id")
    list_filter = ("response_status",)
