"""Order metrics (docs/api.md §37.12): ``natjoub_orders_total{event}``, incremented on commit, and
``natjoub_orders_open``, a gauge computed at scrape time (registered with
``natjoub.metrics.register_gauge`` in ``OrderAppConfig.ready()``), so every process reports the
same current value."""

from __future__ import annotations

from prometheus_client import Counter

EVENTS = ("placed", "confirmed", "ready", "fulfilled", "cancelled", "expired")
ORDERS = Counter("natjoub_orders", "Order events", ["event"])
for _event in EVENTS:
    ORDERS.labels(event=_event)  # every series exists from the start, at 0


def count(event: str) -> None:
    ORDERS.labels(event=event).inc()


def open_orders() -> int:
    from django.utils import timezone

    from order_app.selectors import open_orders as opened

    return opened(timezone.now()).count()


GAUGES = (
    ("natjoub_orders_open", "Orders open now (placed, confirmed or ready, not past their deadline)", open_orders),
)
