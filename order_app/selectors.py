"""Order reads (docs/api.md §37.4, §37.11): who may read what, the lists and one order.

Who reads what: an admin every order, a seller the orders at its branches (docs/api.md §36, from
``inventory_app.selectors.access``), a customer its own. An order outside that is not found.
The status every response shows is the *effective* one: an open order past its deadline is
EXPIRED (and its ``expiresAt`` null) even before anything has stored it so.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from auth_app.directory import Role
from inventory_app.selectors.access import BranchAccess, branch_access
from natjoub.db.compiled import CompiledQuery
from order_app.exceptions import OrderNotFound
from order_app.models import OPEN_STATUSES, Order, OrderEvent, OrderLine, OrderStatus

__all__ = ["Viewer", "may_read", "open_orders", "order_get", "order_list", "seller_figures"]


@dataclass(frozen=True)
class Viewer:
    """The caller: id, role (the access token's claim) and branches (§36)."""

    user_id: uuid.UUID
    role: str
    access: BranchAccess

    @classmethod
    def of(cls, user_id: uuid.UUID, role: str) -> Viewer:
        return cls(user_id, role, branch_access(user_id=user_id, role=role))

    @classmethod
    def of_request(cls, request) -> Viewer:
        return cls.of(request.user.pk, request.auth.get("role"))

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER


def may_read(order: Order, viewer: Viewer) -> bool:
    if viewer.role == Role.CUSTOMER:
        return order.customer_id == viewer.user_id
    return viewer.role in (Role.ADMIN, Role.SELLER) and viewer.access.allows(order.branch_id)


def visible(viewer: Viewer) -> QuerySet[Order]:
    orders = Order.objects.all()
    if viewer.role == Role.CUSTOMER:
        return orders.filter(customer_id=viewer.user_id)
    if viewer.role not in (Role.ADMIN, Role.SELLER) or viewer.access.is_empty:
        return orders.none()
    if viewer.access.every:
        return orders
    return orders.filter(branch_id__in=sorted(viewer.access.branch_ids))


def _due(now: datetime) -> Q:
    return Q(status__in=OPEN_STATUSES, expires_at__lte=now)


def with_effective(orders: QuerySet[Order], now: datetime) -> QuerySet[Order]:
    return orders.annotate(
        effective_status=Case(
            When(_due(now), then=Value(OrderStatus.EXPIRED)), default=F("status"), output_field=CharField()
        ),
        effective_expires_at=Case(
            When(status__in=OPEN_STATUSES, expires_at__gt=now, then=F("expires_at")),
            default=None,
            output_field=DateTimeField(),
        ),
    )


def open_orders(now: datetime) -> QuerySet[Order]:
    """Orders open now: PLACED, CONFIRMED or READY and not past their deadline."""
    return Order.objects.filter(status__in=OPEN_STATUSES, expires_at__gt=now)


def due_ids(viewer: Viewer, limit: int = 100) -> list[uuid.UUID]:
    """Open orders past their deadline that the viewer can see (a list read expires them first)."""
    return list(visible(viewer).filter(_due(timezone.now())).values_list("pk", flat=True)[:limit])


@dataclass(frozen=True)
class OrderFilters:
    status: str | None = None
    branch_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    placed_from: datetime | None = None
    placed_to: datetime | None = None
    search: str | None = None


def _item_count() -> Subquery:
    """Σ line quantities, per order, as a subquery (no GROUP BY over the page's orders)."""
    lines = OrderLine.objects.filter(order_id=OuterRef("pk")).order_by().values("order_id")
    return Subquery(lines.annotate(total=Sum("quantity")).values("total")[:1], output_field=IntegerField())


def order_list(viewer: Viewer, filters: OrderFilters) -> QuerySet[Order]:
    """``OrderSummaryResponse`` rows by ``placedAt`` DESC, ``id`` DESC (a customer's ``customerId``
    filter is ignored: its list is always its own)."""
    now = timezone.now()
    orders = with_effective(visible(viewer), now).annotate(item_count=_item_count())
    if filters.status is not None:
        orders = orders.filter(effective_status=filters.status)
    if filters.branch_id is not None:
        orders = orders.filter(branch_id=filters.branch_id)
    if filters.customer_id is not None and not viewer.is_customer:
        orders = orders.filter(customer_id=filters.customer_id)
    if filters.placed_from is not None:
        orders = orders.filter(placed_at__gte=filters.placed_from)
    if filters.placed_to is not None:
        orders = orders.filter(placed_at__lt=filters.placed_to)
    if filters.search:
        orders = orders.filter(number__istartswith=filters.search)
    return orders.order_by("-placed_at", "-id")


def order_get(order_id: uuid.UUID, viewer: Viewer) -> Order:
    """One order with its lines (request order) and history (oldest first); 404 when the viewer
    may not read it. ``shown_pickup_code`` is the code for its customer only."""
    now = timezone.now()
    order = with_effective(Order.objects.filter(pk=order_id), now).first()
    if order is None or not may_read(order, viewer):
        raise OrderNotFound(order_id=order_id)
    return decorate(order, viewer, now)


def decorate(order: Order, viewer: Viewer, now: datetime | None = None) -> Order:
    """What ``OrderOutput`` reads besides the columns: effective status and deadline, the pickup
    code for the owner only, lines and history (two queries)."""
    now = now or timezone.now()
    due = order.status in OPEN_STATUSES and order.expires_at is not None and order.expires_at <= now
    order.effective_status = OrderStatus.EXPIRED if due else order.status
    order.effective_expires_at = None if due or order.status not in OPEN_STATUSES else order.expires_at
    owner = viewer.is_customer and order.customer_id == viewer.user_id
    order.shown_pickup_code = order.pickup_code if owner else None
    # an order just placed carries what it wrote (services._create): nothing to read back
    created_lines, created_events = getattr(order, "created_lines", None), getattr(order, "created_events", None)
    order.line_list = created_lines if created_lines is not None else ORDER_LINES.fetch(order_id=order.pk)
    order.event_list = created_events if created_events is not None else ORDER_EVENTS.fetch(order_id=order.pk)
    return order


def _lines_of(order_id: uuid.UUID):
    return OrderLine.objects.filter(order_id=order_id).order_by("position")


def _events_of(order_id: uuid.UUID):
    return OrderEvent.objects.filter(order_id=order_id).order_by("created_at", "id")


# Read for every order shown and every action: compiled once and prepared per connection
# (natjoub.db.compiled), as the ORM spent more CPU building them than PostgreSQL running them.
ORDER_LINES = CompiledQuery(_lines_of, order_id=uuid.UUID)
ORDER_EVENTS = CompiledQuery(_events_of, order_id=uuid.UUID)


# -- the seller dashboard (docs/api.md §37.11), registered in OrderAppConfig.ready() ------------
def seller_figures(*, user_id: uuid.UUID, role: str, days: int) -> dict:
    """``total_bookings``, ``pending_orders``, ``revenue`` over the caller's branches (§36)."""
    viewer = Viewer.of(user_id, role)
    if viewer.is_customer or viewer.access.is_empty:
        return {"total_bookings": 0, "pending_orders": 0, "revenue": "0.00"}
    now = timezone.now()
    since = now - timedelta(days=days)
    figures = visible(viewer).aggregate(
        total_bookings=Sum(Value(1), filter=Q(placed_at__gte=since)),
        pending_orders=Sum(Value(1), filter=Q(status__in=OPEN_STATUSES, expires_at__gt=now)),
        revenue=Sum("total", filter=Q(status=OrderStatus.FULFILLED, fulfilled_at__gte=since)),
    )
    return {
        "total_bookings": figures["total_bookings"] or 0,
        "pending_orders": figures["pending_orders"] or 0,
        "revenue": f"{figures['revenue'] or Decimal('0.00'):.2f}",
    }


# -- the back office's charts (docs/architecture.md, "Charts in the back office") --------------
def orders_per_day(*, since: datetime, now: datetime, branch_ids) -> dict[tuple[date, str], int]:
    """Orders placed since ``since`` per UTC day of placement and effective status (an order
    past its deadline counts as EXPIRED), at ``branch_ids`` (None: every branch). One GROUP BY
    over a range of the ``placed_at`` index."""
    orders = Order.objects.filter(placed_at__gte=since)
    if branch_ids is not None:
        orders = orders.filter(branch_id__in=branch_ids)
    rows = (
        with_effective(orders.order_by(), now)
        .annotate(day=TruncDate("placed_at", tzinfo=UTC))
        .values("day", "effective_status")
        .annotate(n=Count("id"))
        .values_list("day", "effective_status", "n")
    )
    return {(day, status): n for day, status, n in rows}


def revenue_per_day(*, since: datetime, branch_ids) -> dict[date, Decimal]:
    """Σ ``total`` of the orders fulfilled since ``since``, per UTC day of the handover (the
    money taken at the counter, docs/api.md §37.1). One GROUP BY."""
    orders = Order.objects.filter(status=OrderStatus.FULFILLED, fulfilled_at__gte=since)
    if branch_ids is not None:
        orders = orders.filter(branch_id__in=branch_ids)
    rows = (
        orders.order_by()
        .annotate(day=TruncDate("fulfilled_at", tzinfo=UTC))
        .values("day")
        .annotate(revenue=Sum("total"))
        .values_list("day", "revenue")
    )
    return dict(rows)
