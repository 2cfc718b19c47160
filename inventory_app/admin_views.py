"""Back-office pieces for stock: the "Record movement" form and CSV export.

The form goes through ``services.stock.movement_create``: the same validation, locks and errors
as the API; a service error is shown as a form error.
"""

from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from inventory_app.models import Branch, InventoryItem, MovementType
from inventory_app.services.stock import movement_create
from natjoub.api.errors import ApplicationError


class RecordMovementForm(forms.Form):
    inventory_item = forms.ModelChoiceField(queryset=InventoryItem.objects.order_by("sku"), label="Item")
    movement_type = forms.ChoiceField(choices=MovementType.choices)
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


@admin.action(description="Export selected rows as CSV")
def export_as_csv(model_admin, request, queryset):
    """CSV of the changelist's columns; "select all" exports the whole filtered changelist."""
    columns = [name for name in model_admin.list_display if name != "action_checkbox"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{model_admin.model._meta.model_name}.csv"'
    writer = csv.writer(response)
    writer.writerow(columns)
    for obj in queryset:
        row = []
        for name in columns:
            value = getattr(model_admin, name, None)
            value = value(obj) if callable(value) else getattr(obj, name, "")
            row.append("" if value is None else str(value))
        writer.writerow(row)
    return response
