"""Inventory API (docs/api.md): thin viewsets over selectors and services.

* ``catalog``: branches, categories, items;
* ``stock``: movements, stock levels, reservations.
"""

from inventory_app.views.catalog import BranchViewSet, CategoryViewSet, ItemViewSet
from inventory_app.views.stock import MovementViewSet, ReservationViewSet, StockLevelViewSet

__all__ = [
    "BranchViewSet",
    "CategoryViewSet",
    "ItemViewSet",
    "MovementViewSet",
    "ReservationViewSet",
    "StockLevelViewSet",
]
