"""Order errors (docs/api.md §37, §39): each declares its code, status and message; raise sites
pass only data. The codes are registered in ``OrderAppConfig.ready()`` (docs/architecture.md §3.6)."""

from __future__ import annotations

from enum import StrEnum

from natjoub.api.errors import ApplicationError, ReferencedRowMissing


class OrderErrorCode(StrEnum):
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    ACCOUNT_NOT_VERIFIED = "ACCOUNT_NOT_VERIFIED"
    INVALID_PICKUP_CODE = "INVALID_PICKUP_CODE"
    ITEM_NOT_AVAILABLE = "ITEM_NOT_AVAILABLE"
    TOO_MANY_OPEN_ORDERS = "TOO_MANY_OPEN_ORDERS"
    ORDER_STATE_CONFLICT = "ORDER_STATE_CONFLICT"


class OrderNotFound(ReferencedRowMissing):
    """Also what a caller gets for an order it may not read (another customer's, a branch
    outside a seller's access): its existence is not revealed."""

    code = OrderErrorCode.ORDER_NOT_FOUND
    template = "Order not found with id: {order_id}"


class AccountNotVerified(ApplicationError):
    code, status, template = OrderErrorCode.ACCOUNT_NOT_VERIFIED, 403, "Verify your account before placing orders"


class TooManyOpenOrders(ApplicationError):
    code, status, template = OrderErrorCode.TOO_MANY_OPEN_ORDERS, 409, "You already have {count} open orders"


class ItemNotAvailable(ApplicationError):
    """An inactive item (``details`` ``{"inventoryItemId": id}``) or branch (``{"branchId": id}``)."""

    code, status, template = OrderErrorCode.ITEM_NOT_AVAILABLE, 409, "Item is not available at this branch"

    @property
    def details(self) -> dict:
        if self.data.get("item_id") is not None:
            return {"inventory_item_id": self.data["item_id"]}
        return {"branch_id": self.data["branch_id"]}


class OrderStateConflict(ApplicationError):
    """``action``: confirmed, made ready, fulfilled, cancelled (docs/api.md §37.2)."""

    code, status, template = OrderErrorCode.ORDER_STATE_CONFLICT, 409, "Order cannot be {action} (status: {status})"
    # An order found past its deadline is expired (its stock released) before the 409 is raised.
    keep_changes = True


class InvalidPickupCode(ApplicationError):
    code, template = OrderErrorCode.INVALID_PICKUP_CODE, "Pickup code does not match"
