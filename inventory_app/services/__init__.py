"""Inventory writes (``<entity>_<action>``, keyword-only arguments, one transaction each)."""

from inventory_app.services.catalog import (
    branch_create,
    branch_delete,
    branch_update,
    category_create,
    category_delete,
    category_update,
    item_create,
    item_delete,
    item_update,
)
from inventory_app.services.maintenance import stock_reconcile
from inventory_app.services.stock import (
    movement_create,
    movement_effect,
    reservation_commit,
    reservation_create,
    reservation_release,
    reservations_release_expired,
)

__all__ = [
    "branch_create",
    "branch_delete",
    "branch_update",
    "category_create",
    "category_delete",
    "category_update",
    "item_create",
    "item_delete",
    "item_update",
    "movement_create",
    "movement_effect",
    "reservation_commit",
    "reservation_create",
    "reservation_release",
    "reservations_release_expired",
    "stock_reconcile",
]
