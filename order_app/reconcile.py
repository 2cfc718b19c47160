"""The order invariants of docs/api.md §37.8, checked by ``manage.py reconcile_stock`` (registered
with ``inventory_app.services.holds.register_check`` in ``OrderAppConfig.ready()``):

* an open order's lines each have exactly one ACTIVE reservation of the line's quantity, of its
  item, at the order's branch (once past its deadline, an EXPIRED one is fine too: §14.4 may
  have expired it before the order was);
* a FULFILLED line's OUT movements (referenced by the order number) sum to its fulfilledQuantity;
* a CANCELLED or EXPIRED order has no ACTIVE reservation.

Read in batches of orders, two inventory reads per batch, so memory stays bounded.
"""

from __future__ import annotations

from django.utils import timezone

import inventory_app.services.holds as holds
from order_app.models import OPEN_STATUSES, Order, OrderLine, OrderStatus

BATCH = 2000


def _batches():
    last = None
    while True:
        orders = Order.objects.order_by("id")
        if last is not None:
            orders = orders.filter(id__gt=last)
        batch = list(orders.values("id", "number", "status", "branch_id", "expires_at")[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1]["id"]


def order_violations() -> list[str]:
    problems: list[str] = []
    now = timezone.now()
    for batch in _batches():
        orders = {order["id"]: order for order in batch}
        lines = list(
            OrderLine.objects.filter(order_id__in=list(orders)).values_list(
                "order_id", "inventory_item_id", "quantity", "fulfilled_quantity", "reservation_id"
            )
        )
        states = holds.reservation_states([line[4] for line in lines])
        fulfilled = [o["number"] for o in batch if o["status"] == OrderStatus.FULFILLED]
        outs = holds.out_quantities(fulfilled) if fulfilled else {}
        for order_id, item_id, quantity, taken, reservation_id in lines:
            order = orders[order_id]
            where = f"ORDER {order['number']} ({order_id}) item {item_id}"
            state = states.get(reservation_id)
            if order["status"] in OPEN_STATUSES:
                accepted = {"ACTIVE", "EXPIRED"} if order["expires_at"] <= now else {"ACTIVE"}
                if state is None or state.status not in accepted:
                    problems.append(f"{where}: open order without an active reservation ({state and state.status})")
                elif (state.quantity, state.inventory_item_id, state.branch_id) != (
                    quantity,
                    item_id,
                    order["branch_id"],
                ):
                    problems.append(f"{where}: reservation {reservation_id} does not match the line")
            elif state is not None and state.status == "ACTIVE":
                problems.append(f"{where}: {order['status']} order still holds reservation {reservation_id}")
            if order["status"] == OrderStatus.FULFILLED:
                out = outs.get((order["number"], item_id, order["branch_id"]), 0)
                if out != (taken or 0):
                    problems.append(f"{where}: OUT movements {out}, fulfilled quantity {taken}")
    return problems
