"""Order metrics (docs/api.md §37.12): ``natjoub_orders_total{event}``, incremented on commit, and
``natjoub_orders_open``, computed at scrape time (registered in ``OrderAppConfig.ready()``) so every
process reports the same current value."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import DatabaseError
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

EVENTS = ("placed", "confirmed", "ready", "fulfilled", "cancelled", "expired")
ORDERS = Counter("natjoub_orders", "Order events", ["event"])
for _event in EVENTS:
    ORDERS.labels(event=_event)  # every series exists from the start, at 0


def count(event: str) -> None:
    ORDERS.labels(event=event).inc()


class OpenOrdersCollector:
    """``natjoub_orders_open``: orders PLACED, CONFIRMED or READY and not past their deadline."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.utils import timezone

        from order_app.selectors import open_orders

        try:
            value = open_orders(timezone.now()).count()
        except DatabaseError:
            logger.warning("natjoub_orders_open skipped: database unavailable")
            return
        gauge = GaugeMetricFamily("natjoub_orders_open", "Orders open now (placed, confirmed or ready, not expired)")
        gauge.add_metric([], value)
        yield gauge


OPEN_ORDERS_COLLECTOR = OpenOrdersCollector()
