"""The inventory panels of the back office's dashboard, built from the selectors and registered in
``InventoryAppConfig.ready`` (natjoub.registry)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from inventory_app import selectors
from inventory_app.models import AlertStatus, MovementType, ReservationStatus, TransferStatus
from natjoub.registry import DashboardPanel

ROWS = 10
EXPIRING_WINDOW = timedelta(hours=1)


def changelist_url(model_name: str, **params) -> str:
    url = reverse(f"admin:inventory_app_{model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def movements_today(request) -> dict:
    midnight = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    day_start = midnight.strftime("%Y-%m-%d %H:%M:%S")  # the changelist's date filter format
    counts = selectors.movement_counts_by_type(since=midnight)
    rows = [
        {
            "type": choice.value,
            "count": counts.get(choice.value, 0),
            "url": changelist_url("stockmovement", movement_type__exact=choice.value, created_at__gte=day_start),
        }
        for choice in MovementType
    ]
    return {"rows": rows, "url": changelist_url("stockmovement", created_at__gte=day_start)}


def low_stock(request) -> dict:
    return {"rows": list(selectors.low_stock_list()[:ROWS]), "url": changelist_url("stocklevel", low_stock="yes")}


def expiring_reservations(request) -> dict:
    rows = list(selectors.reservations_expiring(within=EXPIRING_WINDOW, limit=ROWS))
    return {"rows": rows, "url": changelist_url("stockreservation", status__exact=ReservationStatus.ACTIVE)}


def recent_movements(request) -> dict:
    return {"rows": list(selectors.movements_recent(limit=ROWS)), "url": changelist_url("stockmovement")}


def open_alerts(request) -> dict:
    return {
        "count": selectors.open_alerts_count(),
        "rows": list(selectors.open_alerts_recent(limit=ROWS)),
        "url": changelist_url("stockalert", status__exact=AlertStatus.OPEN),
    }


def transfers_in_transit(request) -> dict:
    return {
        "rows": list(selectors.transfers_in_transit(limit=ROWS)),
        "url": changelist_url("stocktransfer", status__exact=TransferStatus.IN_TRANSIT),
    }


def sellers_waiting(request) -> dict:
    """Sellers with no branch (docs/api.md §36): they can sign in and nothing else until an admin
    grants access from their page."""
    waiting = selectors.seller_access_list(pending_access=True)
    return {"count": len(waiting), "rows": waiting[:ROWS]}


PANELS = (
    DashboardPanel("sellers_waiting", "Sellers waiting for access", "admin/inventory_app/panels/sellers_waiting.html",
                   sellers_waiting, order=5),
    DashboardPanel("movements_today", "Movements today", "admin/inventory_app/panels/movements_today.html",
                   movements_today, order=10),
    DashboardPanel("open_alerts", "Open stock alerts", "admin/inventory_app/panels/open_alerts.html", open_alerts,
                   order=15),
    DashboardPanel("low_stock", "Low stock", "admin/inventory_app/panels/low_stock.html", low_stock, order=20),
    DashboardPanel("transfers_in_transit", "Transfers in transit",
                   "admin/inventory_app/panels/transfers_in_transit.html", transfers_in_transit, order=35),
    DashboardPanel("expiring_reservations", "Reservations expiring within the hour",
                   "admin/inventory_app/panels/expiring_reservations.html", expiring_reservations, order=30),
    DashboardPanel("recent_movements", "Last 10 movements", "admin/inventory_app/panels/recent_movements.html",
                   recent_movements, order=40),
)  # fmt: skip
