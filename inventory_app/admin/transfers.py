"""Two-step transfers and stock alerts in the back office (docs/api.md §27, §29a).

Transfers are read-only rows changed only through the transfer services: the "Dispatch transfer"
form, a "Receive" form per transfer (one received quantity per line, short lines allowed), a
"Cancel" confirmation, and changelist actions that receive in full or cancel the selected ones.
Alerts are read-only: they open and resolve with the stock.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Sum
from django.forms import formset_factory
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from inventory_app import services
from inventory_app.models import Branch, InventoryItem, StockAlert, StockTransfer, StockTransferLine, TransferStatus
from natjoub.admin.pages import LineQuantitiesForm, admin_page
from natjoub.admin.readonly import ReadOnlyAdmin, ReadOnlyMixin
from natjoub.api.errors import ApplicationError

MAX_INT = 2**31 - 1


# -- forms ------------------------------------------------------------------------------------
class DispatchForm(forms.Form):
    from_branch = forms.ModelChoiceField(queryset=Branch.objects.order_by("code"), label="From branch")
    to_branch = forms.ModelChoiceField(queryset=Branch.objects.order_by("code"), label="To branch")
    reference_number = forms.CharField(max_length=100, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DispatchLineForm(forms.Form):
    inventory_item = forms.ModelChoiceField(
        queryset=InventoryItem.objects.order_by("sku"), label="Item", required=False
    )
    quantity = forms.IntegerField(min_value=1, max_value=MAX_INT, required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("inventory_item")) != bool(data.get("quantity")):
            raise forms.ValidationError("Give both the item and the quantity, or neither.")
        return data


class BaseDispatchLines(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        items = [form.cleaned_data["inventory_item"] for form in self.forms if form.cleaned_data.get("inventory_item")]
        if not items:
            raise forms.ValidationError("Add at least one line.")
        if len(set(items)) != len(items):
            raise forms.ValidationError("Each item may appear only once.")


DispatchLines = formset_factory(DispatchLineForm, formset=BaseDispatchLines, extra=5, max_num=100, validate_max=True)


class ReceiveForm(LineQuantitiesForm):
    """One received quantity per line of the transfer (0 … shipped; the default is all of it)."""

    def line_label(self, line: StockTransferLine) -> str:
        return f"{line.inventory_item.sku} — {line.inventory_item.name} (shipped {line.quantity})"

    def received_lines(self) -> list[dict]:
        return self.quantities("received_quantity")


# -- pages ------------------------------------------------------------------------------------
def _change_url(transfer_id) -> str:
    return reverse("admin:inventory_app_stocktransfer_change", args=[transfer_id])


def dispatch_view(model_admin, request):
    form = DispatchForm(request.POST or None)
    lines = DispatchLines(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        try:
            transfer = services.transfer_dispatch(
                from_branch_id=data["from_branch"].pk,
                to_branch_id=data["to_branch"].pk,
                lines=[
                    {"inventory_item_id": line["inventory_item"].pk, "quantity": line["quantity"]}
                    for line in lines.cleaned_data
                    if line.get("inventory_item")
                ],
                dispatched_by=request.user.pk,
                reference_number=data["reference_number"] or None,
                notes=data["notes"] or None,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Transfer dispatched: {transfer.pk}.")
            return HttpResponseRedirect(_change_url(transfer.pk))
    return admin_page(
        model_admin, request, "admin/inventory_app/transfer_dispatch.html", "Dispatch transfer", form=form, lines=lines
    )


def receive_view(model_admin, request, object_id):
    transfer = get_object_or_404(StockTransfer.objects.select_related("from_branch", "to_branch"), pk=object_id)
    lines = list(transfer.lines.select_related("inventory_item").order_by("id"))
    form = ReceiveForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_receive(transfer_id=transfer.pk, received_by=request.user.pk, lines=form.received_lines())
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            short = sum(line.quantity for line in lines) - sum(e["received_quantity"] for e in form.received_lines())
            messages.success(request, f"Transfer received ({short} unit(s) short)." if short else "Transfer received.")
            return HttpResponseRedirect(_change_url(transfer.pk))
    return admin_page(
        model_admin,
        request,
        "admin/inventory_app/transfer_receive.html",
        "Receive transfer",
        form=form,
        transfer=transfer,
    )


def cancel_view(model_admin, request, object_id):
    transfer = get_object_or_404(StockTransfer.objects.select_related("from_branch", "to_branch"), pk=object_id)
    error = None
    if request.method == "POST":
        try:
            services.transfer_cancel(transfer_id=transfer.pk, cancelled_by=request.user.pk)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, "Transfer cancelled: every unit is back at the from branch.")
            return HttpResponseRedirect(_change_url(transfer.pk))
    return admin_page(
        model_admin,
        request,
        "admin/inventory_app/transfer_cancel.html",
        "Cancel transfer",
        transfer=transfer,
        error=error,
    )


# -- model admins -----------------------------------------------------------------------------
class TransferLineInline(ReadOnlyMixin, admin.TabularInline):
    model = StockTransferLine
    fields = ("inventory_item", "quantity", "received_quantity", "short_quantity")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("inventory_item").order_by("id")

    @admin.display(description="Short")
    def short_quantity(self, obj: StockTransferLine):
        return obj.short_quantity


@admin.register(StockTransfer)
class StockTransferAdmin(ReadOnlyAdmin):
    list_display = (
        "dispatched_at",
        "status",
        "from_branch",
        "to_branch",
        "line_count",
        "units",
        "reference_number",
        "received_at",
        "cancelled_at",
    )
    list_filter = ("status", "from_branch", "to_branch", "dispatched_at")
    search_fields = ("reference_number", "notes", "lines__inventory_item__sku")
    list_select_related = ("from_branch", "to_branch")
    date_hierarchy = "dispatched_at"
    inlines = (TransferLineInline,)
    actions = ("receive_in_full", "cancel_selected")
    change_list_template = "admin/inventory_app/stocktransfer/change_list.html"
    change_form_template = "admin/inventory_app/stocktransfer/change_form.html"

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None  # the changelist and its actions; rows change only through the services

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(line_count=Count("lines"), units=Sum("lines__quantity"))

    @admin.display(description="Lines", ordering="line_count")
    def line_count(self, obj: StockTransfer) -> int:
        return obj.line_count

    @admin.display(description="Units", ordering="units")
    def units(self, obj: StockTransfer) -> int:
        return obj.units

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(lambda request, *args, **kwargs: function(self, request, *args, **kwargs))

        return [
            path("dispatch/", view(dispatch_view), name="inventory_app_stocktransfer_dispatch"),
            path("<uuid:object_id>/receive/", view(receive_view), name="inventory_app_stocktransfer_receive"),
            path("<uuid:object_id>/cancel/", view(cancel_view), name="inventory_app_stocktransfer_cancel"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        transfer = self.get_object(request, object_id)
        in_transit = transfer is not None and transfer.status == TransferStatus.IN_TRANSIT
        return super().change_view(request, object_id, form_url, {"in_transit": in_transit, **(extra_context or {})})

    def _each(self, request, queryset, act, verb: str) -> None:
        done = 0
        for transfer in queryset.filter(status=TransferStatus.IN_TRANSIT).order_by("dispatched_at", "id"):
            try:
                act(transfer.pk)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{transfer.pk}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{verb} {done} transfer(s).", messages.SUCCESS)

    @admin.action(description="Receive selected transfers in full")
    def receive_in_full(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda pk: services.transfer_receive(transfer_id=pk, received_by=request.user.pk),
            "Received",
        )

    @admin.action(description="Cancel selected transfers (units return to the from branch)")
    def cancel_selected(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda pk: services.transfer_cancel(transfer_id=pk, cancelled_by=request.user.pk),
            "Cancelled",
        )


@admin.register(StockAlert)
class StockAlertAdmin(ReadOnlyAdmin):
    list_display = (
        "opened_at",
        "status",
        "inventory_item",
        "branch",
        "available_at_open",
        "reorder_level_at_open",
        "resolved_at",
    )
    list_filter = ("status", "branch", "opened_at")
    search_fields = ("inventory_item__sku", "inventory_item__name", "branch__code", "branch__name")
    list_select_related = ("inventory_item", "branch")
    date_hierarchy = "opened_at"
