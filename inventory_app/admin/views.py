"""Back-office pieces for stock: the "Record movement" form and CSV export.

The form goes through ``services.stock.movement_create``: the same validation, locks and errors
as the API; a service error is shown as a form error. CSV export has two doors sharing one row
writer: the changelist action (selected rows) and the "Export CSV" link (the whole filtered
changelist); both stream their rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from inventory_app.models import RECORDABLE_TYPES, Branch, InventoryItem, MovementType
from inventory_app.services.stock import movement_create
from natjoub.api.errors import ApplicationError


class RecordMovementForm(forms.Form):
    inventory_item = forms.ModelChoiceField(queryset=InventoryItem.objects.order_by("sku"), label="Item")
    movement_type = forms.ChoiceField(choices=[(t.value, t.label) for t in MovementType if t in RECORDABLE_TYPES])
    quantity = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    from_branch = forms.ModelChoiceField(queryset=Branch.objects.order_by("code"), required=False)
    to_branch = forms.ModelChoiceField(queryset=Branch.objects.order_by("code"), required=False)
    unit_price = forms.DecimalField(min_value=0, max_value=99999999.99, decimal_places=2, required=False)
    reference_number = forms.CharField(max_length=100, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


def record_movement_view(model_admin, request):
    form = RecordMovementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            movement = movement_create(
                inventory_item_id=data["inventory_item"].pk,
                movement_type=data["movement_type"],
                quantity=data["quantity"],
                performed_by=request.user.pk,
                from_branch_id=data["from_branch"].pk if data["from_branch"] else None,
                to_branch_id=data["to_branch"].pk if data["to_branch"] else None,
                unit_price=data["unit_price"],
                reference_number=data["reference_number"] or None,
                notes=data["notes"] or None,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Recorded {movement.movement_type} of {movement.quantity}.")
            return redirect(reverse("admin:inventory_app_stockmovement_changelist"))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Record movement",
        "form": form,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/inventory_app/record_movement.html", context)


class _Echo:
    """A file-like object whose write() hands the line back, so csv.writer can feed a stream."""

    def write(self, value: str) -> str:
        return value


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")  # incl. full-width forms
EXPORT_CHUNK_SIZE = 2000


def csv_columns(model_admin) -> list[str]:
    return [name for name in model_admin.list_display if name != "action_checkbox"]


def csv_cell(value) -> str:
    """A cell's text; free text that a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return str(value)
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_rows(model_admin, queryset) -> Iterator[list[str]]:
    """The header (the changelist's column names), then one row per object, read in chunks."""
    columns = csv_columns(model_admin)
    yield columns
    for obj in queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        row = []
        for name in columns:
            value = getattr(model_admin, name, None)
            row.append(csv_cell(value(obj) if callable(value) else getattr(obj, name, "")))
        yield row


def csv_response(model_admin, queryset) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in csv_rows(model_admin, queryset)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{model_admin.model._meta.model_name}.csv"'
    return response


@admin.action(description="Export selected rows as CSV")
def export_as_csv(model_admin, request, queryset):
    """CSV of the changelist's columns; "select all" exports the whole filtered changelist."""
    return csv_response(model_admin, queryset)


def export_changelist_view(model_admin, request):
    """The "Export CSV" link: exactly the rows of the changelist the query string describes
    (its filters, search, date drill-down and ordering), every page of it, streamed."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        changelist = model_admin.get_changelist_instance(request)
    except IncorrectLookupParameters:
        opts = model_admin.model._meta
        return redirect(f"{reverse(f'admin:{opts.app_label}_{opts.model_name}_changelist')}?{ERROR_FLAG}=1")
    return csv_response(model_admin, changelist.queryset)
