"""PostgreSQL WAL positions (``pg_lsn``): ``'16/B374D848'`` <-> an integer that orders them."""

from __future__ import annotations

from django.db import connections


def parse_lsn(text: str | None) -> int | None:
    """``'X/Y'`` (hex) -> ``X << 32 | Y``; None for None or anything that is not an LSN."""
    if not isinstance(text, str) or text.count("/") != 1:
        return None
    high, low = text.split("/")
    try:
        return (int(high, 16) << 32) | int(low, 16)
    except ValueError:
        return None


def primary_wal_lsn(using: str = "default") -> int:
    """The primary's current WAL insert position: everything committed so far lies before it."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return parse_lsn(cursor.fetchone()[0])
