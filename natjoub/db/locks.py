"""Transaction-scoped advisory locks: serialize work on something that is not a row (a name)."""

from __future__ import annotations

from django.db import connections


def advisory_xact_lock(name: str, *, using: str = "default") -> None:
    """Wait for PostgreSQL's advisory lock on ``name``, held until the transaction ends.

    Call inside ``transaction.atomic()``: outside a transaction the lock would end at once."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
