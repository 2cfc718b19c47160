"""The inventory panels of the back office's dashboard, built from the selectors and registered in
``InventoryAppConfig.ready`` (natjoub.registry)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from auth_app import directory
from auth_app.directory import Role
from inventory_app import charts, selectors
from inventory_app.models import AlertStatus, Branch, MovementType, ReservationStatus, TransferStatus
from inventory_app.selectors.access import branch_access
from natjoub.admin.charts import CHART_PANEL_TEMPLATE, chart_panel, per_request
from natjoub.registry import DashboardPanel

ROWS = 10
EXPIRING_WINDOW = timedelta(hours=1)


def changelist_url(model_name: str, **params) -> str:
    url = reverse(f"admin:inventory_app_{model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


# -- charts (docs/architecture.md, "Charts in the back office") ------------------------------
def chart_branches(request) -> frozenset[uuid.UUID] | None:
    """The branches whose figures the caller may see, None for every branch: the charts ask the one
    function that decides a caller's branches (docs/api.md §36). The back office signs in active
    administrators only (natjoub.admin.site), who see every branch; any other signed-in role is
    asked of the directory and gets its own branches."""
    role = Role.ADMIN if request.user.is_staff else directory.role_of(request.user.pk)
    access = branch_access(user_id=request.user.pk, role=role)
    return None if access.every else access.branch_ids


@dataclass(frozen=True)
class BranchChoice:
    """The dashboard's ``?branch=`` filter: the branches offered, the one chosen (if any) and the
    branch ids the charts may cover."""

    offered: list[tuple[uuid.UUID, str, str]]  # id, code, name
    selected: uuid.UUID | None
    allowed: frozenset[uuid.UUID] | None  # chart_branches()
    refused: str | None  # a ?branch= value that is not one of the offered branches

    @property
    def branch_ids(self) -> frozenset[uuid.UUID] | None:
        return self.allowed if self.selected is None else frozenset({self.selected})

    @property
    def everything(self) -> str:
        return "every branch" if self.allowed is None else "your branches"

    @property
    def scope(self) -> str:
        if self.selected is not None:
            return next(code for pk, code, _ in self.offered if pk == self.selected)
        return self.everything


def branch_choice(request) -> BranchChoice:
    """Computed once per request (every chart panel reads it): one query for the branch list."""

    def compute() -> BranchChoice:
        allowed = chart_branches(request)
        queryset = Branch.objects.order_by("code")
        if allowed is not None:
            queryset = queryset.filter(pk__in=allowed)
        offered = list(queryset.values_list("id", "code", "name"))
        raw = request.GET.get("branch") or None
        selected = None
        if raw is not None:
            try:
                wanted = uuid.UUID(raw)
            except ValueError:
                wanted = None
            selected = wanted if any(pk == wanted for pk, _, _ in offered) else None
        refused = raw if raw is not None and selected is None else None
        return BranchChoice(offered, selected, allowed, refused)

    return per_request(request, "inventory.branch_choice", compute)


def stock_charts(request) -> dict:
    """Movements per day, stock value by branch and the items nearest their reorder level, for
    the branches of the ``?branch=`` filter: one query each, once per request."""

    def compute() -> dict:
        choice = branch_choice(request)
        scope, branch_ids = choice.scope, choice.branch_ids
        return chart_panel(
            charts.movements_chart(branch_ids=branch_ids, scope=scope),
            charts.stock_value_chart(branch_ids=branch_ids, scope=scope),
            charts.reorder_chart(branch_ids=branch_ids, scope=scope),
            intro_template="admin/inventory_app/panels/branch_filter.html",
            choice=choice,
        )

    return per_request(request, "inventory.stock_charts", compute)


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
    DashboardPanel("stock_charts", "Stock charts", CHART_PANEL_TEMPLATE, stock_charts, order=5),
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
