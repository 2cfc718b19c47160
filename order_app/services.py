"""Order writes (docs/api.md §37): place, confirm, ready, fulfil, cancel, expire; one transaction
each. Stock is held, extended, settled and released only through ``inventory_app.services.holds``.

Locks, always in this order: the order row (``SELECT … FOR UPDATE``, its state re-checked under
the lock, so of N concurrent actions on one order exactly one succeeds), then the stock rows in
primary-key order (inside holds). Stock rows are shared by every order at a branch, so an action
takes them as late as it can: a fulfil writes its order side first and settles the stock in the
last statement before its commit (``holds.settle``, one statement). A transaction that changes
several orders (a customer's deletion) locks them all first and their stock rows in one
statement; the expiry job expires each order in its own transaction. Placement locks no order: it
serializes the customer's placements on an advisory lock, so the open-order limit holds under
concurrency.

An open order past its deadline **is** EXPIRED (docs/api.md §37.2): an action that finds one
expires it (releasing its stock) and answers 409; the expiry stands (``keep_changes``).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

import inventory_app.services.holds as holds
from auth_app.directory import Role, get_user, role_of
from natjoub.api.fields import partial_quantities
from natjoub.db import internals
from natjoub.db.compiled import CompiledQuery
from natjoub.db.locks import advisory_xact_lock
from natjoub.db.prepared import prepared_cursor
from order_app import emails, metrics
from order_app import sql as statements
from order_app.exceptions import (
    AccountNotVerified,
    InvalidPickupCode,
    ItemNotAvailable,
    OrderNotFound,
    OrderStateConflict,
    TooManyOpenOrders,
)
from order_app.models import (
    OPEN_STATUSES,
    CancelReason,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)
from order_app.selectors import ORDER_LINES, Viewer, may_read

CENT = Decimal("0.01")
NOT_ON_ORDER = "Item is not on this order"
ACTION_WORDS = {
    OrderStatus.CONFIRMED: "confirmed",
    OrderStatus.READY: "made ready",
    OrderStatus.FULFILLED: "fulfilled",
    OrderStatus.CANCELLED: "cancelled",
}
# The states each action starts from (docs/api.md §37.2).
ALLOWED_FROM = {
    OrderStatus.CONFIRMED: (OrderStatus.PLACED,),
    OrderStatus.READY: (OrderStatus.CONFIRMED,),
    OrderStatus.FULFILLED: (OrderStatus.CONFIRMED, OrderStatus.READY),
    OrderStatus.CANCELLED: OPEN_STATUSES,
}


@dataclass(frozen=True)
class Actor:
    """Who acts: ``None`` user for the system (an expiry)."""

    user_id: uuid.UUID | None
    role: str | None


SYSTEM = Actor(None, None)


def _bind(params: dict, prefix: str, fields, instance) -> None:
    """The values of ``instance`` for an ``order_app.sql`` statement, as ``save()`` would send them."""
    for field in fields:
        params[f"{prefix}{field.attname}"] = field.get_db_prep_save(getattr(instance, field.attname), connection)


def _bind_arrays(params: dict, prefix: str, fields, instances) -> None:
    for field in fields:
        params[f"{prefix}{field.attname}"] = [
            field.get_db_prep_save(getattr(instance, field.attname), connection) for instance in instances
        ]


def _pickup_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def _new_event(order: Order, status: str, actor: Actor, now: datetime, reason: str | None = None) -> OrderEvent:
    return OrderEvent(
        order=order, status=status, actor_id=actor.user_id, actor_role=actor.role, reason=reason, created_at=now
    )


def _event(order: Order, status: str, actor: Actor, now: datetime, reason: str | None = None) -> OrderEvent:
    event = _new_event(order, status, actor, now, reason)
    event.save(force_insert=True)
    return event


def _after_commit(event: str, order_id: uuid.UUID) -> None:
    """Inside the action's transaction: the counter after commit; the event's mail stored in the
    outbox, committed with the action (order_app/emails.py, docs/architecture.md §3.12)."""
    transaction.on_commit(lambda: metrics.count(event))
    emails.enqueue(event, order_id)


# -- place -------------------------------------------------------------------------------------
def order_place(*, customer_id: uuid.UUID, branch_id: uuid.UUID, lines: list[dict], notes: str | None = None) -> Order:
    """docs/api.md §37.3, in its order of checks (after the role and the fields): verified
    account, open-order limit, then the branch and items (existence, activity, availability)
    inside ``holds.reserve``. A refused order leaves nothing but the expiry of due reservations.
    The number of statements does not depend on the number of lines: in the transaction, the
    advisory lock, the count with the number (``OPEN_COUNT_AND_NUMBER``), the two of
    ``holds.reserve`` and one insert of the order, its lines and its event (``PLACE``)."""
    customer = get_user(customer_id)
    if not customer.is_verified:
        raise AccountNotVerified
    failure = None
    with transaction.atomic():
        advisory_xact_lock(f"orders:customer:{customer_id}")
        now = timezone.now()
        limit = settings.ORDER_MAX_OPEN_PER_CUSTOMER
        with connection.cursor() as cursor:
            cursor.execute(
                statements.OPEN_COUNT_AND_NUMBER,
                {"customer": customer_id, "open": list(OPEN_STATUSES), "now": now, "limit": limit},
            )
            count, sequence = cursor.fetchone()
        if count >= limit:
            raise TooManyOpenOrders(count=count)
        number = f"NJ-{sequence:06d}"
        expires_at = now + timedelta(minutes=settings.ORDER_CONFIRM_MINUTES)
        wanted = [holds.Line(line["inventory_item_id"], line["quantity"]) for line in lines]
        try:
            hold = holds.reserve(
                branch_id=branch_id,
                lines=wanted,
                reference_number=number,
                expires_at=expires_at,
                created_by=customer_id,
            )
        except holds.Unavailable as exc:
            raise ItemNotAvailable(item_id=exc.item_id, branch_id=exc.branch_id) from None
        except holds.InsufficientStock as exc:
            failure = exc  # the expiry of due reservations stands: commit, then raise
        else:
            order = _create(number, customer, hold, wanted, notes, now, expires_at)
            _after_commit("placed", order.pk)
    if failure is not None:
        raise failure
    return order


def _create(number, customer, hold: holds.Hold, wanted, notes, now, expires_at) -> Order:
    """The order, its lines and its PLACED event, inserted by one statement (``PLACE``)."""
    priced = []
    for line in wanted:
        item = hold.items[line.inventory_item_id]
        priced.append((line, item, (item.unit_price * line.quantity).quantize(CENT)))
    subtotal = sum((total for _, _, total in priced), Decimal("0.00"))
    order = Order(
        number=number,
        customer_id=customer.id,
        customer_name=customer.full_name,
        customer_email=customer.email,
        branch_id=hold.branch.id,
        branch_code=hold.branch.code,
        branch_name=hold.branch.name,
        status=OrderStatus.PLACED,
        currency=settings.CURRENCY,
        subtotal=subtotal,
        total=subtotal,
        notes=notes,
        pickup_code=_pickup_code(),
        expires_at=expires_at,
        placed_at=now,
        created_at=now,
        updated_at=now,
    )
    lines = [
        OrderLine(
            order=order,
            inventory_item_id=item.id,
            sku=item.sku,
            name=item.name,
            unit_price=item.unit_price,
            quantity=line.quantity,
            line_total=total,
            reservation_id=hold.reservation_ids[item.id],
            position=position,
        )
        for position, (line, item, total) in enumerate(priced)
    ]
    event = _new_event(order, OrderStatus.PLACED, Actor(customer.id, Role.CUSTOMER), now)
    params: dict = {}
    _bind(params, "order_", statements.ORDER_FIELDS, order)
    _bind_arrays(params, "line_", statements.LINE_FIELDS, lines)
    _bind(params, "event_", statements.EVENT_FIELDS, event)
    with connection.cursor() as cursor:
        cursor.execute(statements.PLACE, params)
    for instance in (order, *lines, event):
        internals.mark_saved(instance, connection.alias)
    # kept on the order: the response (selectors.decorate) uses them as written instead of
    # reading them back (2 statements of a placement)
    order.created_lines, order.created_events = lines, [event]
    return order


# -- actions on one order ----------------------------------------------------------------------
def _order_for_update(order_id: uuid.UUID):
    return Order.objects.select_for_update().filter(pk=order_id).order_by()


# Every action's first statement, compiled once and prepared per connection (natjoub.db.compiled):
# the ORM built it again on every call, ~0.5 ms of CPU (bench/results/notes.md, "Round 5").
LOCKED_ORDER = CompiledQuery(_order_for_update, order_id=uuid.UUID)


def _locked(order_id: uuid.UUID, viewer: Viewer) -> Order:
    """The order, locked, if the caller may read it; else 404 (its existence is not revealed)."""
    order = LOCKED_ORDER.first(order_id=order_id)
    if order is None or not may_read(order, viewer):
        raise OrderNotFound(order_id=order_id)
    return order


def _holds_of(orders: list[Order]) -> list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]:
    branch_of = {order.pk: order.branch_id for order in orders}
    lines = OrderLine.objects.filter(order_id__in=list(branch_of)).values_list(
        "order_id", "reservation_id", "inventory_item_id"
    )
    return [(reservation, item, branch_of[order_id]) for order_id, reservation, item in lines]


def _expire(orders: list[Order], now: datetime) -> None:
    """Expire these locked, due orders: their reservations end EXPIRED (those §14.4 already
    expired stay so), each order gets its EXPIRED event (actor: the system)."""
    held = _holds_of(orders)
    holds.release(held=held, expire=[reservation for reservation, _, _ in held])
    _mark_expired(orders, now)


def _mark_expired(orders: list[Order], now: datetime) -> None:
    for order in orders:
        order.status, order.expires_at, order.updated_at = OrderStatus.EXPIRED, None, now
        order.save(update_fields=["status", "expires_at", "updated_at"])
        _event(order, OrderStatus.EXPIRED, SYSTEM, now)
        _after_commit("expired", order.pk)


def _is_due(order: Order, now: datetime) -> bool:
    return order.status in OPEN_STATUSES and order.expires_at is not None and order.expires_at <= now


def _act(order_id: uuid.UUID, viewer: Viewer, target: str, change, *, store=None, last=None) -> Order:
    """Lock the order, expire it if due (then 409), check its state (409), run ``change``, store
    the order (``store(order)`` when given, else ``save()``), then ``last(order)``: the stock
    part of an action that locks hot stock rows, run right before the commit."""
    failure = None
    with transaction.atomic():
        order = _locked(order_id, viewer)
        now = timezone.now()
        if _is_due(order, now):
            _expire([order], now)
            failure = OrderStateConflict(action=ACTION_WORDS[target], status=OrderStatus.EXPIRED)
        elif order.status not in ALLOWED_FROM[target]:
            raise OrderStateConflict(action=ACTION_WORDS[target], status=order.status)
        else:
            change(order, now)
            order.status, order.updated_at = target, now
            if store is not None:
                store(order)
            else:
                order.save()
            if last is not None:
                last(order)
    if failure is not None:
        raise failure
    return order


def order_confirm(*, order_id: uuid.UUID, viewer: Viewer) -> Order:
    """PLACED → CONFIRMED; the deadline (and its reservations') moves to confirmedAt + ORDER_PICKUP_HOURS."""

    def change(order: Order, now: datetime) -> None:
        order.confirmed_at = now
        order.expires_at = now + timedelta(hours=settings.ORDER_PICKUP_HOURS)
        holds.extend(reservation_ids=[r for r, _, _ in _holds_of([order])], expires_at=order.expires_at)
        _event(order, OrderStatus.CONFIRMED, Actor(viewer.user_id, viewer.role), now)
        _after_commit("confirmed", order.pk)

    return _act(order_id, viewer, OrderStatus.CONFIRMED, change)


def order_ready(*, order_id: uuid.UUID, viewer: Viewer) -> Order:
    """CONFIRMED → READY (the deadline does not change); the customer gets the pickup code."""

    def change(order: Order, now: datetime) -> None:
        order.ready_at = now
        _event(order, OrderStatus.READY, Actor(viewer.user_id, viewer.role), now)
        _after_commit("ready", order.pk)

    return _act(order_id, viewer, OrderStatus.READY, change)


def order_fulfil(*, order_id: uuid.UUID, viewer: Viewer, pickup_code: str, lines: list[dict] | None = None) -> Order:
    """CONFIRMED or READY → FULFILLED (docs/api.md §37.6): the state, then the pickup code, then
    the lines; each line's collected part leaves the stock through its reservation.

    Two statements after the order's lock and lines: the order side first (``FULFIL``: lines,
    event, order), then ``holds.settle``, the one statement that locks the stock rows, right
    before the commit: the rows every fulfil at a branch shares stay locked one statement."""
    written = {}

    def change(order: Order, now: datetime) -> None:
        if not secrets.compare_digest(pickup_code.encode(), order.pickup_code.encode()):
            raise InvalidPickupCode
        order_lines = ORDER_LINES.fetch(order_id=order.pk)
        ordered = {line.inventory_item_id: line.quantity for line in order_lines}
        collected = partial_quantities(ordered, lines, field="quantity", not_listed=NOT_ON_ORDER)
        total = Decimal("0.00")
        for line in order_lines:
            line.fulfilled_quantity = collected[line.inventory_item_id]
            total += (line.unit_price * line.fulfilled_quantity).quantize(CENT)
        order.total, order.fulfilled_at, order.expires_at = total, now, None
        written["lines"] = order_lines
        written["event"] = _new_event(order, OrderStatus.FULFILLED, Actor(viewer.user_id, viewer.role), now)
        _after_commit("fulfilled", order.pk)

    def store(order: Order) -> None:
        order_lines, event = written["lines"], written["event"]
        params = {
            "line_ids": [line.pk for line in order_lines],
            "fulfilled": [line.fulfilled_quantity for line in order_lines],
            "id": order.pk,
            "status": order.status,
            "total": order.total,
            "fulfilled_at": order.fulfilled_at,
            "updated_at": order.updated_at,
        }
        _bind(params, "event_", statements.EVENT_FIELDS, event)
        with prepared_cursor(connection) as cursor:  # planned once per connection
            cursor.execute(statements.FULFIL, params)
        internals.mark_saved(event, connection.alias)
        order.created_lines = order_lines  # the response shows them as written (selectors.decorate)

    def settle(order: Order) -> None:
        holds.settle(
            branch_id=order.branch_id,
            settlements=[
                holds.Settlement(line.reservation_id, line.inventory_item_id, line.fulfilled_quantity)
                for line in written["lines"]
            ],
            reference_number=order.number,
            notes=f"Order {order.number} fulfilled",
            performed_by=viewer.user_id,
        )

    return _act(order_id, viewer, OrderStatus.FULFILLED, change, store=store, last=settle)


def order_cancel(*, order_id: uuid.UUID, viewer: Viewer, reason: str) -> Order:
    """PLACED, CONFIRMED or READY → CANCELLED; every reservation of the order is released."""

    def change(order: Order, now: datetime) -> None:
        holds.release(held=_holds_of([order]))
        order.cancel_reason, order.cancelled_at, order.expires_at = reason, now, None
        _event(order, OrderStatus.CANCELLED, Actor(viewer.user_id, viewer.role), now, reason)
        _after_commit("cancelled", order.pk)

    return _act(order_id, viewer, OrderStatus.CANCELLED, change)


# -- expiry ------------------------------------------------------------------------------------
def orders_expire(*, order_ids: list[uuid.UUID] | None = None, limit: int | None = None) -> int:
    """Expire due open orders (all, or among ``order_ids``), each in its own transaction (an
    order row, then its stock rows: the lock order of every order action). An order another
    transaction holds is skipped: that transaction finds it due itself. Returns how many."""
    now = timezone.now()
    due = Order.objects.filter(status__in=OPEN_STATUSES, expires_at__lte=now)
    if order_ids is not None:
        due = due.filter(pk__in=order_ids)
    ids = list(due.order_by("expires_at", "id").values_list("pk", flat=True)[:limit])
    expired = 0
    for order_id in ids:
        with transaction.atomic():
            order = Order.objects.select_for_update(skip_locked=True).filter(pk=order_id).first()
            if order is not None and _is_due(order, now):
                _expire([order], now)
                expired += 1
    return expired


# -- a customer's deletion (auth_app.directory.user_deleting) ----------------------------------
def customer_orders_cancel(*, customer_id: uuid.UUID, actor_id: uuid.UUID | None) -> int:
    """Cancel the customer's open orders (reason CUSTOMER) inside the deletion's transaction and
    release their stock: the orders are locked first, their stock rows in one statement. Orders
    already past their deadline are expired instead. Returns how many were cancelled."""
    now = timezone.now()
    orders = list(
        Order.objects.select_for_update().filter(customer_id=customer_id, status__in=OPEN_STATUSES).order_by("id")
    )
    if not orders:
        return 0
    due = [order for order in orders if _is_due(order, now)]
    live = [order for order in orders if not _is_due(order, now)]
    expiring = {reservation for reservation, _, _ in _holds_of(due)}
    holds.release(held=_holds_of(orders), expire=expiring)  # one lock statement for every branch
    _mark_expired(due, now)
    actor = Actor(actor_id, role_of(actor_id) if actor_id is not None else None)
    for order in live:
        order.status, order.cancel_reason, order.cancelled_at = OrderStatus.CANCELLED, CancelReason.CUSTOMER, now
        order.expires_at, order.updated_at = None, now
        order.save(update_fields=["status", "cancel_reason", "cancelled_at", "expires_at", "updated_at"])
        _event(order, OrderStatus.CANCELLED, actor, now, CancelReason.CUSTOMER)
        _after_commit("cancelled", order.pk)
    return len(live)


def on_user_deleting(sender, *, user_id, role, actor_id=None, **kwargs) -> None:
    """Receiver of ``auth_app.directory.user_deleting`` (connected in ``OrderAppConfig.ready()``)."""
    if role == Role.CUSTOMER:
        customer_orders_cancel(customer_id=user_id, actor_id=actor_id)
