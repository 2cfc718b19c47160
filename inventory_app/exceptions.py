"""Inventory error codes (contract §16). Views raise these; the one exception handler renders them."""

from __future__ import annotations

from natjoub.api.errors import ApplicationError


class InventoryNotFound(ApplicationError):
    """A row addressed by path (404) or referenced in a body (400, pass ``status=400``)."""

    status_code = 404


class BranchNotFound(InventoryNotFound):
    code = "BRANCH_NOT_FOUND"


class CategoryNotFound(InventoryNotFound):
    code = "CATEGORY_NOT_FOUND"


class ItemNotFound(InventoryNotFound):
    code = "ITEM_NOT_FOUND"


class MovementNotFound(InventoryNotFound):
    code = "MOVEMENT_NOT_FOUND"


class ReservationNotFound(InventoryNotFound):
    code = "RESERVATION_NOT_FOUND"


class InvalidMovement(ApplicationError):
    status_code, code = 400, "INVALID_MOVEMENT"


class CategoryCycle(ApplicationError):
    status_code, code, default_message = 400, "BAD_REQUEST", "Category hierarchy cannot contain cycles"


class InventoryConflict(ApplicationError):
    status_code = 409


class BranchExists(InventoryConflict):
    code = "BRANCH_EXISTS"


class CategoryExists(InventoryConflict):
    code = "CATEGORY_EXISTS"


class ItemExists(InventoryConflict):
    code = "ITEM_EXISTS"


class BranchInUse(InventoryConflict):
    code = "BRANCH_IN_USE"
    default_message = "Branch has stock, reservations or movement history; deactivate it instead"


class ItemInUse(InventoryConflict):
    code = "ITEM_IN_USE"
    default_message = "Inventory item has stock, reservations or movement history; deactivate it instead"


class InsufficientStock(InventoryConflict):
    code = "INSUFFICIENT_STOCK"
    # Raised after the work that must survive it (expiry of due reservations) was committed.
    keep_changes = True

    def __init__(self, *, available: int, requested: int) -> None:
        super().__init__(
            f"Insufficient stock: available {available}, requested {requested}",
            details={"available": available, "requested": requested},
        )


class ReservationNotActive(InventoryConflict):
    code = "RESERVATION_NOT_ACTIVE"
    keep_changes = True

    def __init__(self, status: str) -> None:
        super().__init__(f"Reservation is not active (status: {status})")


class IdempotencyKeyReused(InventoryConflict):
    code = "IDEMPOTENCY_KEY_REUSED"
    default_message = "Idempotency-Key was already used with a different request"
