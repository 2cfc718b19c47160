"""Inventory errors (docs/api.md, "Errors"): each declares its code, status and message; raise
sites pass only data. Views raise them; the one exception handler renders them."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from auth_app.directory import UserNotFound  # noqa: F401 - the one USER_NOT_FOUND, for the user a branch assignment or a grant names by path
from natjoub.api.errors import ApplicationError, ReferencedRowMissing


class InventoryErrorCode(StrEnum):
    """The inventory's codes, registered in ``InventoryAppConfig.ready()`` (docs/architecture.md §3.6)."""

    INVALID_MOVEMENT = "INVALID_MOVEMENT"
    INVALID_ASSIGNMENT = "INVALID_ASSIGNMENT"
    ITEM_NOT_FOUND = "ITEM_NOT_FOUND"
    BRANCH_NOT_FOUND = "BRANCH_NOT_FOUND"
    CATEGORY_NOT_FOUND = "CATEGORY_NOT_FOUND"
    MOVEMENT_NOT_FOUND = "MOVEMENT_NOT_FOUND"
    RESERVATION_NOT_FOUND = "RESERVATION_NOT_FOUND"
    ASSIGNMENT_NOT_FOUND = "ASSIGNMENT_NOT_FOUND"
    TRANSFER_NOT_FOUND = "TRANSFER_NOT_FOUND"
    STOCK_ALERT_NOT_FOUND = "STOCK_ALERT_NOT_FOUND"
    BRANCH_ACCESS_DENIED = "BRANCH_ACCESS_DENIED"
    BRANCH_EXISTS = "BRANCH_EXISTS"
    CATEGORY_EXISTS = "CATEGORY_EXISTS"
    ITEM_EXISTS = "ITEM_EXISTS"
    BRANCH_IN_USE = "BRANCH_IN_USE"
    ITEM_IN_USE = "ITEM_IN_USE"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    RESERVATION_NOT_ACTIVE = "RESERVATION_NOT_ACTIVE"
    TRANSFER_NOT_IN_TRANSIT = "TRANSFER_NOT_IN_TRANSIT"
    NO_BRANCH_ACCESS = "NO_BRANCH_ACCESS"
    GRANT_NOT_FOUND = "GRANT_NOT_FOUND"


# -- rows that do not exist (404 by path, 400 when a body field names them) -------------------
class BranchNotFound(ReferencedRowMissing):
    code = InventoryErrorCode.BRANCH_NOT_FOUND
    template = "Branch not found with id: {branch_id}"
    referenced_templates: ClassVar[dict[str, str]] = {
        "from_branch_id": "From branch not found",
        "to_branch_id": "To branch not found",
        "branch_id": "Branch not found",
    }


class CategoryNotFound(ReferencedRowMissing):
    code = InventoryErrorCode.CATEGORY_NOT_FOUND
    template = "Category not found with id: {category_id}"
    referenced_templates: ClassVar[dict[str, str]] = {
        "parent_category_id": "Parent category not found with id: {category_id}",
        "category_id": "Category not found with id: {category_id}",
    }


class ItemNotFound(ReferencedRowMissing):
    code = InventoryErrorCode.ITEM_NOT_FOUND
    template = "Inventory item not found with id: {item_id}"
    referenced_templates: ClassVar[dict[str, str]] = {"inventory_item_id": "Inventory item not found"}


class MovementNotFound(ReferencedRowMissing):
    code = InventoryErrorCode.MOVEMENT_NOT_FOUND
    template = "Stock movement not found with id: {movement_id}"


class ReservationNotFound(ReferencedRowMissing):
    code = InventoryErrorCode.RESERVATION_NOT_FOUND
    template = "Reservation not found with id: {reservation_id}"


class TransferNotFound(ReferencedRowMissing):
    code = InventoryErrorCode.TRANSFER_NOT_FOUND
    template = "Transfer not found with id: {transfer_id}"


class StockAlertNotFound(ReferencedRowMissing):
    code = InventoryErrorCode.STOCK_ALERT_NOT_FOUND
    template = "Stock alert not found with id: {alert_id}"


class AssignmentNotFound(ReferencedRowMissing):
    code = InventoryErrorCode.ASSIGNMENT_NOT_FOUND
    template = "Assignment not found"


class GrantNotFound(ReferencedRowMissing):
    """Removing an all-branches grant the seller does not have (docs/api.md §36)."""

    code = InventoryErrorCode.GRANT_NOT_FOUND
    template = "Grant not found"


class TransferItemNotFound(ItemNotFound):
    """An item a transfer line names: 400, ``details`` ``{"inventoryItemId": id}``."""

    def __init__(self, *, item_id) -> None:
        super().__init__(item_id=item_id, referenced_by="inventory_item_id")

    @property
    def details(self) -> dict:
        return {"inventory_item_id": self.data["item_id"]}


# -- the movement branch rules of §12 (400 INVALID_MOVEMENT) ----------------------------------
class InvalidMovement(ApplicationError):
    code = InventoryErrorCode.INVALID_MOVEMENT


class ToBranchRequired(InvalidMovement):
    template = "TO branch required for {movement_type} movement"


class FromBranchRequired(InvalidMovement):
    template = "FROM branch required for OUT movement"


class BothBranchesRequired(InvalidMovement):
    template = "Both FROM and TO branches required for TRANSFER"


class SameBranch(InvalidMovement):
    template = "FROM and TO branches must differ"


class BranchRequired(InvalidMovement):
    template = "FROM or TO branch required for ADJUSTMENT"


class InvalidAssignment(ApplicationError):
    code, template = InventoryErrorCode.INVALID_ASSIGNMENT, "Only sellers can be assigned to branches"


class CategoryCycle(ApplicationError):
    template = "Category hierarchy cannot contain cycles"


# -- conflicts (409) --------------------------------------------------------------------------
class BranchExists(ApplicationError):
    code, status, template = InventoryErrorCode.BRANCH_EXISTS, 409, "Branch with code {code} already exists"


class CategoryExists(ApplicationError):
    code, status, template = InventoryErrorCode.CATEGORY_EXISTS, 409, "Category with name {name} already exists"


class ItemExists(ApplicationError):
    code, status, template = InventoryErrorCode.ITEM_EXISTS, 409, "Item with SKU {sku} already exists"


class BranchInUse(ApplicationError):
    code, status = InventoryErrorCode.BRANCH_IN_USE, 409
    template = "Branch has stock, reservations or movement history; deactivate it instead"


class ItemInUse(ApplicationError):
    code, status = InventoryErrorCode.ITEM_IN_USE, 409
    template = "Inventory item has stock, reservations or movement history; deactivate it instead"


class InsufficientStock(ApplicationError):
    code, status = InventoryErrorCode.INSUFFICIENT_STOCK, 409
    template = "Insufficient stock: available {available}, requested {requested}"
    details_keys = ("available", "requested")
    # Raised after the work that must survive it (expiry of due reservations) was committed.
    keep_changes = True


class TransferInsufficientStock(InsufficientStock):
    """The first short line of a transfer, in request order."""

    details_keys = ("inventory_item_id", "available", "requested")


class ReservationNotActive(ApplicationError):
    code, status = InventoryErrorCode.RESERVATION_NOT_ACTIVE, 409
    template = "Reservation is not active (status: {status})"
    keep_changes = True


class TransferNotInTransit(ApplicationError):
    code, status = InventoryErrorCode.TRANSFER_NOT_IN_TRANSIT, 409
    template = "Transfer is not in transit (status: {status})"


# -- seller scoping (docs/api.md §26) ---------------------------------------------------------
class BranchAccessDenied(ApplicationError):
    """A seller named or addressed a branch outside its branches (docs/api.md §36)."""

    code, status, template = InventoryErrorCode.BRANCH_ACCESS_DENIED, 403, "You are not assigned to this branch"
    details_keys = ("branch_id",)


class NoBranchAccess(ApplicationError):
    """A seller with no branches writing the catalog (docs/api.md §36)."""

    code, status, template = InventoryErrorCode.NO_BRANCH_ACCESS, 403, "Your seller account has no branch access yet"
