"""Inventory metrics (docs/api.md §17.2, §29a). Counters are incremented on commit; the low-stock
and open-alerts gauges are computed at scrape time (``natjoub.metrics.register_gauge`` in
``InventoryAppConfig.ready``), so every process of the service reports the same, current value."""

from __future__ import annotations

from prometheus_client import Counter

STOCK_MOVEMENTS = Counter(
    "inventory_stock_movements", "Stock movements recorded (reservation commits included)", ["movement_type"]
)
ITEMS_CREATED = Counter("inventory_items_created", "Inventory items created")


def low_stock_items() -> int:
    """``inventory_low_stock_items``: the rows the low-stock endpoint would list without filters."""
    from inventory_app.selectors import low_stock_count

    return low_stock_count()


def open_alerts() -> int:
    """``natjoub_stock_alerts_open``: stock alerts currently OPEN (docs/api.md §29a)."""
    from inventory_app.selectors import open_alerts_count

    return open_alerts_count()


# (name, documentation, value) for natjoub.metrics.register_gauge
GAUGES = (
    (
        "inventory_low_stock_items",
        "Stock rows at or below their item's reorder level (active items and branches)",
        low_stock_items,
    ),
    ("natjoub_stock_alerts_open", "Stock alerts currently open (low stock per item and branch)", open_alerts),
)
