"""Names of the inventory's list counters (natjoub/db/counters.py, docs/architecture.md §3.7),
kept by the triggers of migration 0007: exact totals of the lists that grow without bound."""

from __future__ import annotations

import uuid

ITEMS = "inventory.items"
MOVEMENTS = "inventory.movements"


def movements_of_item(item_id: uuid.UUID) -> str:
    return f"{MOVEMENTS}.item:{item_id}"


def movements_at_branch(branch_id: uuid.UUID) -> str:
    """Movements leaving or entering the branch, each once (the ``branchId`` filter)."""
    return f"{MOVEMENTS}.branch:{branch_id}"
