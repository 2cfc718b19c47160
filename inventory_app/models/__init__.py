"""Inventory data in ``inventory_schema`` (docs/api.md §22), one module per domain: ``catalog``
(branches, categories, items), ``stock`` (levels, the ledger, reservations), ``access`` (sellers'
assignments and grants), ``transfers``, ``alerts``. Import from here: ``from inventory_app.models
import Branch``."""

from inventory_app.models.access import BranchAssignment, SellerGrant
from inventory_app.models.alerts import AlertStatus, StockAlert
from inventory_app.models.catalog import Branch, Category, InventoryItem
from inventory_app.models.stock import (
    RECORDABLE_TYPES,
    MovementType,
    ReservationStatus,
    StockLevel,
    StockMovement,
    StockReservation,
)
from inventory_app.models.transfers import StockTransfer, StockTransferLine, TransferStatus

__all__ = [
    "RECORDABLE_TYPES",
    "AlertStatus",
    "Branch",
    "BranchAssignment",
    "Category",
    "InventoryItem",
    "MovementType",
    "ReservationStatus",
    "SellerGrant",
    "StockAlert",
    "StockLevel",
    "StockMovement",
    "StockReservation",
    "StockTransfer",
    "StockTransferLine",
    "TransferStatus",
]
