"""Branches, categories (as an indented tree) and items (with total stock and stock rows)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Func
from django.utils.html import format_html

from inventory_app import charts, selectors, services
from inventory_app import sql as statements
from inventory_app.admin.assignments import BranchStaffInline
from inventory_app.admin.mixins import CsvExportMixin
from inventory_app.exceptions import CategoryCycle
from inventory_app.models import Branch, Category, InventoryItem, StockLevel
from natjoub.admin.charts import CHART_MEDIA
from natjoub.admin.readonly import ReadOnlyMixin
from natjoub.admin.services import ServiceDeleteMixin, ServiceSaveMixin


@admin.register(Branch)
class BranchAdmin(ServiceSaveMixin, ServiceDeleteMixin, admin.ModelAdmin):
    list_display = ("code", "name", "city", "country", "manager_name", "is_active", "created_at")
    list_filter = ("is_active", "country", "city")
    search_fields = ("code", "name", "city")
    readonly_fields = ("created_at", "updated_at")
    ordering = ("created_at", "id")
    inlines = (BranchStaffInline,)

    @staticmethod
    def delete_service(pk, actor_id=None):
        services.branch_delete(branch_id=pk, deleted_by=actor_id)

    def create(self, request, data):
        return services.branch_create(**data)

    def update(self, request, obj, changes):
        return services.branch_update(branch_id=obj.pk, changes=changes)

    def get_exclude(self, request, obj=None):
        return ("is_active",) if obj is None else ()  # new branches are active, as in the API

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
        return super().as_sql(compiler, connection, template=statements.CATEGORY_PATH_TEMPLATE, **extra_context)


TREE_INDENT = "\u00a0" * 4


class CategoryChangeList(ChangeList):
    """Tree order unless the user sorts by a column. (The admin's own ``ordering`` stays a plain
    field: filters and form widgets order bare Category querysets by it.)"""

    def get_ordering(self, request, queryset):
        if ORDER_VAR in self.params:
            return super().get_ordering(request, queryset)
        return ["tree_path", "pk"]


@admin.register(Category)
class CategoryAdmin(ServiceSaveMixin, ServiceDeleteMixin, admin.ModelAdmin):
    """Categories as an indented tree: ordered by their path from the root, names indented by depth."""

    form = CategoryForm
    list_display = ("tree_name", "parent_category", "is_active", "created_at")
    list_filter = ("is_active", ("parent_category", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("parent_category",)
    search_fields = ("name", "description")
    readonly_fields = ("created_at", "updated_at")
    autocomplete_fields = ("parent_category",)

    field_arguments = {"parent_category": "parent_category_id"}

    @staticmethod
    def delete_service(pk, actor_id=None):
        services.category_delete(category_id=pk)

    def create(self, request, data):
        return services.category_create(**data)

    def update(self, request, obj, changes):
        return services.category_update(category_id=obj.pk, changes=changes)

    def get_exclude(self, request, obj=None):
        return ("is_active",) if obj is None else ()  # new categories are active, as in the API

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
        "at_reorder_level",
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
    def at_reorder_level(self, obj: StockLevel) -> bool:  # not "is_low": the model's flag has that name
        return obj.available_quantity <= obj.inventory_item.reorder_level


@admin.register(InventoryItem)
class InventoryItemAdmin(CsvExportMixin, ServiceSaveMixin, ServiceDeleteMixin, admin.ModelAdmin):
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

    field_arguments = {"category": "category_id"}

    @staticmethod
    def delete_service(pk, actor_id=None):
        services.item_delete(item_id=pk)

    def create(self, request, data):
        return services.item_create(**data)

    def update(self, request, obj, changes):
        return services.item_update(item_id=obj.pk, changes=changes)

    def get_exclude(self, request, obj=None):
        return ("is_active",) if obj is None else ()  # new items are active, as in the API

    @property
    def media(self):
        return super().media + CHART_MEDIA

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # An existing item's page shows its stock per branch and its ledger balance over time
        # (docs/architecture.md, "Charts in the back office"): one query each.
        if obj is not None and not add:
            context["item_charts"] = [charts.item_stock_chart(obj.pk), charts.item_balance_chart(obj.pk)]
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(total_stock=selectors.item_total_stock())

    @admin.display(description="Total stock", ordering="total_stock")
    def total_stock(self, obj: InventoryItem) -> int:
        return obj.total_stock

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "sku") if obj else self.readonly_fields
