"""The back office: the Django admin site for staff (active admin-role users only)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.db.models import Count, F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

NOT_STAFF = "This account has no access to the back office: only active administrators can sign in here."
EXPIRING_WINDOW = timedelta(hours=1)


class EmailAdminAuthenticationForm(AdminAuthenticationForm):
    """Sign in with e-mail and password; sellers and customers get a clear refusal."""

    username = forms.CharField(label="Email", max_length=255, widget=forms.EmailInput(attrs={"autofocus": True}))

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": "Please enter the correct email and password for an administrator account.",
        "not_staff": NOT_STAFF,
    }

    def confirm_login_allowed(self, user):
        if not user.is_active or not user.is_staff:
            raise forms.ValidationError(self.error_messages["not_staff"], code="not_staff")


class NatJoubAdminSite(admin.AdminSite):
    site_header = "NatJoub back office"
    site_title = "NatJoub"
    index_title = "Dashboard"
    login_form = EmailAdminAuthenticationForm
    enable_nav_sidebar = True

    def index(self, request, extra_context=None):
        try:
            dashboard = dashboard_context()
        except NoReverseMatch:  # the inventory models are not registered with this site
            dashboard = {}
        context = {**dashboard, **(extra_context or {})}
        return super().index(request, extra_context=context)


def _changelist(model_label: str, **params) -> str:
    app_label, model = model_label.split(".")
    url = reverse(f"admin:{app_label}_{model}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def dashboard_context() -> dict:
    """Low stock, today's movements by type, reservations about to expire, the last movements."""
    from inventory_app.models import MovementType, ReservationStatus, StockLevel, StockMovement, StockReservation

    now = timezone.now()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    low_stock = (
        StockLevel.objects.select_related("inventory_item", "branch")
        .filter(
            inventory_item__is_active=True,
            branch__is_active=True,
            quantity__lte=F("reserved_quantity") + F("inventory_item__reorder_level"),
        )
        .order_by("branch__name", "inventory_item__sku", "id")[:10]
    )
    counts = dict(
        StockMovement.objects.filter(created_at__gte=today)
        .values_list("movement_type")
        .annotate(n=Count("id"))
        .values_list("movement_type", "n")
    )
    day_start = today.strftime("%Y-%m-%d %H:%M:%S")
    movements_today = [
        {
            "type": choice.value,
            "count": counts.get(choice.value, 0),
            "url": _changelist(
                "inventory_app.stockmovement", movement_type__exact=choice.value, created_at__gte=day_start
            ),
        }
        for choice in MovementType
    ]
    expiring = (
        StockReservation.objects.select_related("inventory_item", "branch")
        .filter(status=ReservationStatus.ACTIVE, expires_at__gt=now, expires_at__lte=now + EXPIRING_WINDOW)
        .order_by("expires_at", "id")[:10]
    )
    recent = StockMovement.objects.select_related("inventory_item", "from_branch", "to_branch").order_by(
        "-created_at", "-id"
    )[:10]
    return {
        "dashboard": {
            "low_stock": list(low_stock),
            "low_stock_url": _changelist("inventory_app.stocklevel", low_stock="yes"),
            "movements_today": movements_today,
            "movements_today_url": _changelist("inventory_app.stockmovement", created_at__gte=day_start),
            "expiring": list(expiring),
            "expiring_url": _changelist("inventory_app.stockreservation", status__exact=ReservationStatus.ACTIVE),
            "recent_movements": list(recent),
            "movements_url": _changelist("inventory_app.stockmovement"),
        }
    }
