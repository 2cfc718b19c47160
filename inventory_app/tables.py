"""Qualified table names of the inventory's models, for the hand-written SQL of the stock services
(``"inventory_schema"."stock_levels"``, …; docs/architecture.md §3.1). From model metadata only:
never from input."""

from __future__ import annotations

from inventory_app.models import Branch, InventoryItem, StockAlert, StockLevel, StockMovement, StockReservation

ALERTS = StockAlert._meta.db_table
BRANCHES = Branch._meta.db_table
ITEMS = InventoryItem._meta.db_table
MOVEMENTS = StockMovement._meta.db_table
RESERVATIONS = StockReservation._meta.db_table
STOCK = StockLevel._meta.db_table
