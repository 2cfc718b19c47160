"""Two-step transfers (docs/api.md §27): dispatch, then receive (possibly short) or cancel.

Dispatch is all or nothing over its lines: one transaction that locks the branches (scope on the
from branch), the items, then the from branch's stock rows in primary-key order, expires their due
reservations, checks every line in request order and, only if all fit, writes the rows (one
statement, alerts included), the transfer, its lines and one TRANSFER_OUT per line. A short line
refuses the whole transfer; only the expiry stands (``keep_changes``).

Receive and cancel lock the stock rows they increase (primary-key order), then the transfer row,
and re-check its status under that lock: of concurrent receive/cancel calls exactly one finds it
IN_TRANSIT, the others get 409. Every refusal there rolls the whole transaction back (rows created
for the increase included).
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from inventory_app.exceptions import (
    BranchAccessDenied,
    SameBranch,
    TransferInsufficientStock,
    TransferItemNotFound,
    TransferNotFound,
    TransferNotInTransit,
)
from inventory_app.models import (
    MovementType,
    StockMovement,
    StockTransfer,
    StockTransferLine,
    TransferStatus,
)
from inventory_app.scoping import EVERYWHERE, BranchAccess
from inventory_app.services import ledger
from natjoub.api.fields import partial_quantities

NOT_ON_TRANSFER = "Item is not on this transfer"


def _reference(transfer: StockTransfer) -> str:
    return transfer.reference_number or f"transfer:{transfer.pk}"


def transfer_dispatch(
    *,
    from_branch_id: uuid.UUID,
    to_branch_id: uuid.UUID,
    lines: list[dict],
    dispatched_by: uuid.UUID | None,
    reference_number: str | None = None,
    notes: str | None = None,
    scope: BranchAccess = EVERYWHERE,
) -> StockTransfer:
    """``lines``: ``[{"inventory_item_id", "quantity"}]``, at most one per item (the input
    serializer checks it; the unique index is the last line of defence)."""
    if from_branch_id == to_branch_id:
        raise SameBranch
    item_ids = [line["inventory_item_id"] for line in lines]
    failure = None
    with transaction.atomic():
        items, branches = ledger.lock_named(item_ids, [from_branch_id, to_branch_id], scope)
        named = [("from_branch_id", from_branch_id), ("to_branch_id", to_branch_id)]
        ledger.check_branches(named, branches, scoped=("from_branch_id",))
        for item_id in item_ids:
            if item_id not in items:
                raise TransferItemNotFound(item_id=item_id)
        rows = ledger.lock_rows(item_ids, [from_branch_id])
        now = timezone.now()
        expired = ledger.expire_due(rows.values(), now)
        for line in lines:
            row = rows.get((line["inventory_item_id"], from_branch_id))
            available = row.quantity - row.reserved_quantity if row is not None else 0
            if available < line["quantity"]:
                failure = TransferInsufficientStock(
                    inventory_item_id=line["inventory_item_id"], available=available, requested=line["quantity"]
                )
                break
        if failure is not None:
            ledger.write_rows(expired, now)  # the expiry stands; nothing else happened
        else:
            transfer = StockTransfer(
                id=uuid.uuid4(),
                from_branch_id=from_branch_id,
                to_branch_id=to_branch_id,
                status=TransferStatus.IN_TRANSIT,
                reference_number=reference_number,
                notes=notes,
                dispatched_by=dispatched_by,
                dispatched_at=now,
                created_at=now,
            )
            changed = []
            for line in lines:
                row = rows[(line["inventory_item_id"], from_branch_id)]
                row.quantity -= line["quantity"]
                changed.append(row)
            ledger.write_rows([*expired, *changed], now)
            transfer.save(force_insert=True)
            # ids in ascending order, so ordering the lines by id gives them back in request order
            line_ids = sorted(uuid.uuid4() for _ in lines)
            StockTransferLine.objects.bulk_create(
                [
                    StockTransferLine(
                        id=line_id,
                        transfer=transfer,
                        inventory_item_id=line["inventory_item_id"],
                        quantity=line["quantity"],
                    )
                    for line_id, line in zip(line_ids, lines, strict=True)
                ]
            )
            StockMovement.objects.bulk_create(
                [
                    StockMovement(
                        inventory_item_id=line["inventory_item_id"],
                        from_branch_id=from_branch_id,
                        movement_type=MovementType.TRANSFER_OUT,
                        quantity=line["quantity"],
                        reference_number=_reference(transfer),
                        notes=f"Transfer {transfer.pk} dispatched",
                        performed_by=dispatched_by,
                        created_at=now,
                        transfer=transfer,
                        from_balance_after=row.quantity,
                    )
                    for line, row in zip(lines, changed, strict=True)
                ]
            )
            ledger.count_movements(MovementType.TRANSFER_OUT, len(lines))
    if failure is not None:
        raise failure
    return transfer


def _addressed(transfer_id: uuid.UUID, scope: BranchAccess, side: str) -> StockTransfer:
    """The transfer, if the caller may see it (404), and act on its ``side`` branch (403)."""
    transfer = (
        StockTransfer.objects.restrict(scope)
        .annotate(side_allowed=scope.allowed_expression(side))
        .filter(pk=transfer_id)
        .first()
    )
    if transfer is None:
        raise TransferNotFound(transfer_id=transfer_id)
    if not transfer.side_allowed:
        raise BranchAccessDenied(branch_id=getattr(transfer, f"{side}_id"))
    return transfer


def _locked_in_transit(transfer_id: uuid.UUID) -> StockTransfer:
    """Lock the transfer (after the stock rows) and check it is still in transit."""
    transfer = StockTransfer.objects.select_for_update().get(pk=transfer_id)
    if transfer.status != TransferStatus.IN_TRANSIT:
        raise TransferNotInTransit(status=transfer.status)
    return transfer


def _book_arrivals(
    transfer: StockTransfer, branch_id: uuid.UUID, arriving: dict[uuid.UUID, int], *, verb: str, by: uuid.UUID | None
):
    """Stock rows increase at ``branch_id``, one TRANSFER_IN per item with units; returns ``now``."""
    arriving = {item_id: quantity for item_id, quantity in arriving.items() if quantity > 0}
    ledger.ensure_rows([(item_id, branch_id) for item_id in arriving])
    rows = ledger.lock_rows(arriving, [branch_id])
    locked = _locked_in_transit(transfer.pk)
    now = timezone.now()
    for item_id, quantity in arriving.items():
        rows[(item_id, branch_id)].quantity += quantity
    ledger.write_rows([rows[(item_id, branch_id)] for item_id in arriving], now)
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                inventory_item_id=item_id,
                to_branch_id=branch_id,
                movement_type=MovementType.TRANSFER_IN,
                quantity=quantity,
                reference_number=_reference(locked),
                notes=f"Transfer {locked.pk} {verb}",
                performed_by=by,
                created_at=now,
                transfer=locked,
                to_balance_after=rows[(item_id, branch_id)].quantity,
            )
            for item_id, quantity in arriving.items()
        ]
    )
    if arriving:
        ledger.count_movements(MovementType.TRANSFER_IN, len(arriving))
    return locked, now


def transfer_receive(
    *,
    transfer_id: uuid.UUID,
    received_by: uuid.UUID | None,
    lines: list[dict] | None = None,
    scope: BranchAccess = EVERYWHERE,
) -> StockTransfer:
    """``lines``: ``[{"inventory_item_id", "received_quantity"}]`` (shape checked by the input
    serializer); lines it omits arrive in full. Units shipped but not received are lost."""
    with transaction.atomic():
        transfer = _addressed(transfer_id, scope, "to_branch")
        transfer_lines = list(transfer.lines.all())
        shipped = {line.inventory_item_id: line.quantity for line in transfer_lines}
        received = partial_quantities(shipped, lines, field="received_quantity", not_listed=NOT_ON_TRANSFER)
        if transfer.status != TransferStatus.IN_TRANSIT:  # early: no row is created for nothing
            raise TransferNotInTransit(status=transfer.status)
        locked, now = _book_arrivals(transfer, transfer.to_branch_id, received, verb="received", by=received_by)
        for line in transfer_lines:
            line.received_quantity = received[line.inventory_item_id]
        StockTransferLine.objects.bulk_update(transfer_lines, ["received_quantity"])
        locked.status = TransferStatus.RECEIVED
        locked.received_by, locked.received_at, locked.updated_at = received_by, now, now
        locked.save(update_fields=["status", "received_by", "received_at", "updated_at"])
    return locked


def transfer_cancel(
    *, transfer_id: uuid.UUID, cancelled_by: uuid.UUID | None, scope: BranchAccess = EVERYWHERE
) -> StockTransfer:
    """Every unit goes back to the from branch (one TRANSFER_IN per line there)."""
    with transaction.atomic():
        transfer = _addressed(transfer_id, scope, "from_branch")
        if transfer.status != TransferStatus.IN_TRANSIT:
            raise TransferNotInTransit(status=transfer.status)
        returning = dict(transfer.lines.values_list("inventory_item_id", "quantity"))
        locked, now = _book_arrivals(transfer, transfer.from_branch_id, returning, verb="cancelled", by=cancelled_by)
        locked.status = TransferStatus.CANCELLED
        locked.cancelled_by, locked.cancelled_at, locked.updated_at = cancelled_by, now, now
        locked.save(update_fields=["status", "cancelled_by", "cancelled_at", "updated_at"])
    return locked
