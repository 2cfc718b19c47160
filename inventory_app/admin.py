"""The inventory back office.

Stock never changes here except through the services: stock levels and movements are read-only
(also as the item's inline), movements are recorded with a form that calls the stock service,
reservations are released or committed with actions that call the services, and deletes of
branches and items go through the same in-use rules as the API. Categories are listed as a tree;
items, stock levels and movements export their filtered changelist as CSV."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Func
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from inventory_app import hierarchy, selectors, services
from inventory_app.admin_views import export_as_csv, export_changelist_view, record_movement_view
from inventory_app.exceptions import CategoryCycle
from inventory_app.models import (
    Branch,
    Category,
    InventoryItem,
    ReservationStatus,
    StockLevel,
    StockMovement,
    StockReservation,
)
from natjoub.admin.readonly import ReadOnlyAdmin, ReadOnlyMixin
from natjoub.api.errors import ApplicationError


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


class CsvExportMixin:
    """The "Export CSV" object tool (templates/admin/inventory_app/change_list.html) and its URL:
    the rows of the filtered changelist, for staff who may view the model; plus the action."""

    actions = (export_as_csv,)

    def get_urls(self):
        opts = self.model._meta
        export = self.admin_site.admin_view(self.export_csv_view)
        return [path("export/", export, name=f"{opts.app_label}_{opts.model_name}_export"), *super().get_urls()]

    def export_csv_view(self, request):
        return export_changelist_view(self, request)

    def changelist_view(self, request, extra_context=None):
        opts = self.model._meta
        url = reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_export")
        return super().changelist_view(request, {"export_csv_url": url, **(extra_context or {})})


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
        if parent is not None and self.instance.pk and self.instance.pk in selectors.category_ancestor_ids(parent.pk):
            raise forms.ValidationError(CategoryCycle().message)
        return parent


class CategoryTreePath(Func):
    """The names from the root category down to this one, e.g. ``{Electronics, Laptops}``: one
    recursive CTE per row inside the changelist's own query. Ordering by it lists every child right
    after its parent (siblings by name, names being unique); its length is the depth. The depth cap
    keeps a cycle that slipped into the data from running away."""

    output_field = ArrayField(models.CharField())

    def as_sql(self, compiler, connection, **extra_context):
        path = hierarchy.ancestors_sql("%(expressions)s", "array_agg(name ORDER BY depth DESC)")
        return super().as_sql(compiler, connection, template=f"({path})", **extra_context)


TREE_INDENT = "\u00a0" * 4


class CategoryChangeList(ChangeList):
    """Tree order unless the user sorts by a column. (The admin's own ``ordering`` stays a plain
    field: filters and form widgets order bare Category querysets by it.)"""

    def get_ordering(self, request, queryset):
        if ORDER_VAR in self.params:
            return super().get_ordering(request, queryset)
        return ["tree_path", "pk"]


@admin.register(Category)
class CategoryAdmin(ServiceDeleteMixin, admin.ModelAdmin):
    """Categories as an indented tree: ordered by their path from the root, names indented by depth."""

    form = CategoryForm
    list_display = ("tree_name", "parent_category", "is_active", "created_at")
    list_filter = ("is_active", ("parent_category", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("parent_category",)
    search_fields = ("name", "description")
    readonly_fields = ("created_at", "updated_at")
    autocomplete_fields = ("parent_category",)

    @staticmethod
    def delete_service(pk):
        services.category_delete(category_id=pk)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(tree_path=CategoryTreePath("pk"))

    def get_changelist(self, request, **kwargs):
        return CategoryChangeList

    @admin.display(description="Name", ordering="tree_path")
    def tree_name(self, obj: Category) -> str:
        depth = len(obj.tree_path or [obj.name]) - 1
        if depth == 0:
            return obj.name
        return format_html(
            '<span class="tree-node" data-depth="{}" title="{}">{}└ {}</span>',
            depth,
            " › ".join(obj.tree_path),
            TREE_INDENT * depth,
            obj.name,
        )


class StockLevelInline(ReadOnlyMixin, admin.TabularInline):
    """The item's stock rows, per branch, read-only: stock changes only through movements."""

    model = StockLevel
    fields = (
        "branch",
        "quantity",
        "reserved_quantity",
        "available",
        "reorder_level",
        "is_low",
        "last_counted_at",
        "updated_at",
    )
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "stock by branch (read-only: record a movement to change it)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("branch", "inventory_item").order_by("branch__code")

    @admin.display(description="Available")
    def available(self, obj: StockLevel) -> int:
        return obj.available_quantity

    @admin.display(description="Reorder level")
    def reorder_level(self, obj: StockLevel) -> int:
        return obj.inventory_item.reorder_level

    @admin.display(description="Low stock", boolean=True)
    def is_low(self, obj: StockLevel) -> bool:
        return obj.available_quantity <= obj.inventory_item.reorder_level


@admin.register(InventoryItem)
class InventoryItemAdmin(CsvExportMixin, ServiceDeleteMixin, admin.ModelAdmin):
    list_display = (
        "sku",
        "name",
        "category",
        "unit_price",
        "reorder_level",
        "total_stock",
        "is_active",
        "created_at",
    )
    list_filter = ("is_active", ("category", admin.RelatedOnlyFieldListFilter), "unit_of_measure")
    search_fields = ("sku", "name", "barcode")
    list_select_related = ("category",)
    readonly_fields = ("created_at", "updated_at")
    autocomplete_fields = ("category",)
    inlines = (StockLevelInline,)

    @staticmethod
    def delete_service(pk):
        services.item_delete(item_id=pk)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(total_stock=selectors.item_total_stock())

    @admin.display(description="Total stock", ordering="total_stock")
    def total_stock(self, obj: InventoryItem) -> int:
        return obj.total_stock

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "sku") if obj else self.readonly_fields


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
