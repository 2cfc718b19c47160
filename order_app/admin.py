"""Orders in the back office (docs/api.md §37.12).

Orders are read-only rows changed only through the order services, with the same rules, locks,
e-mails and metrics as the API: "Confirm" and "Mark ready" buttons, a "Fulfil" form (the pickup
code the customer shows, and what is collected of each line), a "Cancel" form (a reason), and
changelist actions that confirm or mark ready the selected orders. The back office is for
admins, so every action runs as the signed-in admin. Filters: status (the effective one: an open
order past its deadline shows as EXPIRED), branch, open; search by number or customer e-mail.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone

from auth_app.directory import Role
from natjoub.admin.pages import LineQuantitiesForm, admin_page
from natjoub.admin.readonly import ReadOnlyAdmin, ReadOnlyMixin
from natjoub.api.errors import ApplicationError
from order_app import services
from order_app.models import OPEN_STATUSES, CancelReason, Order, OrderEvent, OrderLine, OrderStatus
from order_app.selectors import Viewer, with_effective


def _viewer(request) -> Viewer:
    return Viewer.of(request.user.pk, Role.ADMIN)


# -- filters ----------------------------------------------------------------------------------
class EffectiveStatusFilter(admin.SimpleListFilter):
    title, parameter_name = "status", "status"

    def lookups(self, request, model_admin):
        return OrderStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(effective_status=self.value()) if self.value() else queryset


class BranchFilter(admin.SimpleListFilter):
    """The branches orders were placed at (their copied code and name: no join out of the schema)."""

    title, parameter_name = "branch", "branch_id"

    def lookups(self, request, model_admin):
        rows = Order.objects.order_by("branch_code", "branch_id").values_list("branch_id", "branch_code", "branch_name")
        return [(str(pk), f"{code} — {name}") for pk, code, name in rows.distinct()]

    def queryset(self, request, queryset):
        return queryset.filter(branch_id=self.value()) if self.value() else queryset


class OpenFilter(admin.SimpleListFilter):
    title, parameter_name = "open", "open"

    def lookups(self, request, model_admin):
        return [("yes", "Open (not past the deadline)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status__in=OPEN_STATUSES, expires_at__gt=timezone.now())
        return queryset


# -- forms ------------------------------------------------------------------------------------
class FulfilForm(LineQuantitiesForm):
    pickup_code = forms.CharField(max_length=6, label="Pickup code (from the customer)")

    def line_label(self, line: OrderLine) -> str:
        return f"{line.sku} — {line.name} (ordered {line.quantity})"

    def collected(self) -> list[dict]:
        return self.quantities("quantity")


class CancelForm(forms.Form):
    reason = forms.ChoiceField(choices=CancelReason.choices)


# -- pages ------------------------------------------------------------------------------------
def _change_url(order_id) -> str:
    return reverse("admin:order_app_order_change", args=[order_id])


def _step_view(act, done: str):
    """A POST-only step without a form (confirm, ready)."""

    def view(model_admin, request, object_id):
        order = get_object_or_404(Order, pk=object_id)
        if request.method == "POST":
            try:
                act(order_id=order.pk, viewer=_viewer(request))
            except ApplicationError as error:
                model_admin.message_user(request, error.message, messages.ERROR)
            else:
                model_admin.message_user(request, f"{order.number}: {done}.", messages.SUCCESS)
        return HttpResponseRedirect(_change_url(order.pk))

    return view


def fulfil_view(model_admin, request, object_id):
    order = get_object_or_404(Order, pk=object_id)
    form = FulfilForm(request.POST or None, lines=list(order.lines.order_by("position")))
    if request.method == "POST" and form.is_valid():
        try:
            services.order_fulfil(
                order_id=order.pk,
                viewer=_viewer(request),
                pickup_code=form.cleaned_data["pickup_code"],
                lines=form.collected(),
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{order.number}: fulfilled.")
            return HttpResponseRedirect(_change_url(order.pk))
    return admin_page(
        model_admin, request, "admin/order_app/order_fulfil.html", f"Fulfil {order.number}", form=form, order=order
    )


def cancel_view(model_admin, request, object_id):
    order = get_object_or_404(Order, pk=object_id)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.order_cancel(order_id=order.pk, viewer=_viewer(request), reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{order.number}: cancelled, its stock released.")
            return HttpResponseRedirect(_change_url(order.pk))
    return admin_page(
        model_admin, request, "admin/order_app/order_cancel.html", f"Cancel {order.number}", form=form, order=order
    )


# -- model admin ------------------------------------------------------------------------------
class OrderLineInline(ReadOnlyMixin, admin.TabularInline):
    model = OrderLine
    fields = ("sku", "name", "unit_price", "quantity", "fulfilled_quantity", "line_total", "reservation_id")
    readonly_fields = fields
    extra = max_num = 0
    can_delete = False
    ordering = ("position",)


class OrderEventInline(ReadOnlyMixin, admin.TabularInline):
    model = OrderEvent
    verbose_name_plural = "History"
    fields = ("created_at", "status", "actor_id", "actor_role", "reason")
    readonly_fields = fields
    extra = max_num = 0
    can_delete = False
    ordering = ("created_at", "id")


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "shown_status",
        "placed_at",
        "customer_email",
        "branch_code",
        "total",
        "currency",
        "expires_at",
    )
    list_filter = (EffectiveStatusFilter, BranchFilter, OpenFilter)
    search_fields = ("=number", "customer_email")
    inlines = (OrderLineInline, OrderEventInline)
    actions = ("confirm_selected", "ready_selected")
    ordering = ("-placed_at", "-id")
    exclude = ("pickup_code",)  # only the customer (and the ready e-mail) ever sees it
    change_form_template = "admin/order_app/order/change_form.html"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.upper().startswith("NJ-"):  # a number (or its prefix), case-insensitive
            return queryset.filter(number__istartswith=term), False
        return super().get_search_results(request, queryset, term)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None  # the changelist and its actions; rows change only through the services

    def has_view_permission(self, request, obj=None) -> bool:
        return True

    def get_queryset(self, request):
        return with_effective(super().get_queryset(request), timezone.now())

    @admin.display(description="Status", ordering="effective_status")
    def shown_status(self, obj: Order) -> str:
        return obj.effective_status

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(lambda request, *args, **kwargs: function(self, request, *args, **kwargs))

        confirm = _step_view(services.order_confirm, "confirmed")
        ready = _step_view(services.order_ready, "ready for pickup (the customer was e-mailed the code)")
        return [
            path("<uuid:object_id>/confirm/", view(confirm), name="order_app_order_confirm"),
            path("<uuid:object_id>/ready/", view(ready), name="order_app_order_ready"),
            path("<uuid:object_id>/fulfil/", view(fulfil_view), name="order_app_order_fulfil"),
            path("<uuid:object_id>/cancel/", view(cancel_view), name="order_app_order_cancel"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        status = getattr(order, "effective_status", None)
        steps = {
            "can_confirm": status == OrderStatus.PLACED,
            "can_ready": status == OrderStatus.CONFIRMED,
            "can_fulfil": status in (OrderStatus.CONFIRMED, OrderStatus.READY),
            "can_cancel": status in OPEN_STATUSES,
        }
        return super().change_view(request, object_id, form_url, {**steps, **(extra_context or {})})

    def _each(self, request, queryset, act, verb: str) -> None:
        done = 0
        for order_id, number in queryset.order_by("placed_at", "id").values_list("pk", "number"):
            try:
                act(order_id=order_id, viewer=_viewer(request))
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{number}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{verb} {done} order(s).", messages.SUCCESS)

    @admin.action(description="Confirm selected orders")
    def confirm_selected(self, request, queryset):
        self._each(request, queryset, services.order_confirm, "Confirmed")

    @admin.action(description="Mark selected orders ready for pickup")
    def ready_selected(self, request, queryset):
        self._each(request, queryset, services.order_ready, "Marked ready")
