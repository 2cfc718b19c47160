"""Inventory API (docs/api.md): thin viewsets over selectors and services.

* ``catalog``: branches, categories, items;
* ``stock``: movements, stock levels, reservations;
* ``transfers``: two-step transfers and stock alerts;
* ``assignments``: branch staff and the caller's own branches;
* ``access``: sellers' access (all-branches grants, docs/api.md §36).
"""

from inventory_app.views.access import SellerAccessViewSet
from inventory_app.views.assignments import BranchStaffViewSet, MyBranchesViewSet
from inventory_app.views.catalog import BranchViewSet, CategoryViewSet, ItemViewSet
from inventory_app.views.stock import MovementViewSet, ReservationViewSet, StockLevelViewSet
from inventory_app.views.transfers import StockAlertViewSet, TransferViewSet

__all__ = [
    "BranchStaffViewSet",
    "BranchViewSet",
    "CategoryViewSet",
    "ItemViewSet",
    "MovementViewSet",
    "MyBranchesViewSet",
    "ReservationViewSet",
    "SellerAccessViewSet",
    "StockAlertViewSet",
    "StockLevelViewSet",
    "TransferViewSet",
]
