"""Inventory writes (``<entity>_<action>``, keyword-only arguments, one transaction each).

* ``catalog``: branches, categories, items;
* ``stock``: movements and reservations; ``transfers``: two-step transfers;
* ``ledger``: the steps every stock write shares; ``alerts``: stock alerts and their e-mail;
* ``assignments``: sellers' access (branch assignments, all-branches grants); ``maintenance``: ``reconcile_stock``.
"""

from inventory_app.services.alerts import alerts_sync
from inventory_app.services.assignments import (
    assignment_create,
    assignment_delete,
    assignments_removed_with_branch,
    grant_create,
    grant_delete,
)
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
from inventory_app.services.ledger import named_rows_check
from inventory_app.services.maintenance import stock_reconcile
from inventory_app.services.stock import (
    movement_create,
    movement_effect,
    reservation_commit,
    reservation_create,
    reservation_release,
    reservations_release_expired,
)
from inventory_app.services.transfers import transfer_cancel, transfer_dispatch, transfer_receive

__all__ = [
    "alerts_sync",
    "assignment_create",
    "assignment_delete",
    "assignments_removed_with_branch",
    "branch_create",
    "branch_delete",
    "branch_update",
    "category_create",
    "category_delete",
    "category_update",
    "grant_create",
    "grant_delete",
    "item_create",
    "item_delete",
    "item_update",
    "movement_create",
    "movement_effect",
    "named_rows_check",
    "reservation_commit",
    "reservation_create",
    "reservation_release",
    "reservations_release_expired",
    "stock_reconcile",
    "transfer_cancel",
    "transfer_dispatch",
    "transfer_receive",
]
