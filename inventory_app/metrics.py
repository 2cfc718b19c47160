"""Inventory metrics (docs/api.md §17.2, §29a). Counters are incremented on commit; the low-stock
and open-alerts gauges are computed at scrape time (registered in ``InventoryAppConfig.ready``), so
every process of the service reports the same, current value."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import DatabaseError
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

STOCK_MOVEMENTS = Counter(
    "inventory_stock_movements", "Stock movements recorded (reservation commits included)", ["movement_type"]
)
ITEMS_CREATED = Counter("inventory_items_created", "Inventory items created")


class LowStockCollector:
    """``inventory_low_stock_items``: the rows the low-stock endpoint would list without filters."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from inventory_app.selectors import low_stock_count

        try:
            count = low_stock_count()
        except DatabaseError:
            logger.warning("inventory_low_stock_items skipped: database unavailable")
            return
        gauge = GaugeMetricFamily(
            "inventory_low_stock_items", "Stock rows at or below their item's reorder level (active items and branches)"
        )
        gauge.add_metric([], count)
        yield gauge


LOW_STOCK_COLLECTOR = LowStockCollector()


class OpenAlertsCollector:
    """``natjoub_stock_alerts_open``: stock alerts currently OPEN (docs/api.md §29a)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from inventory_app.selectors import open_alerts_count

        try:
            count = open_alerts_count()
        except DatabaseError:
            logger.warning("natjoub_stock_alerts_open skipped: database unavailable")
            return
        gauge = GaugeMetricFamily(
            "natjoub_stock_alerts_open", "Stock alerts currently open (low stock per item and branch)"
        )
        gauge.add_metric([], count)
        yield gauge


OPEN_ALERTS_COLLECTOR = OpenAlertsCollector()
