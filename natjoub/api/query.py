"""Query-parameter parsers per docs/api.md §1.2 and §2.1: each returns the value or raises
ValueError. natjoub/api/filters.py wraps them in the strict fields of the lists' FilterSets."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

# \Z, not $: "$" also matches before a final newline ("<uuid>\n" would pass, then fail to parse).
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
INT_RE = re.compile(r"^-?\d+\Z", re.ASCII)
INVALID = "Invalid value"


def parse_uuid(raw: str) -> uuid.UUID:
    if not isinstance(raw, str) or not UUID_RE.match(raw):
        raise ValueError(raw)
    return uuid.UUID(raw)


def parse_bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered not in {"true", "false"}:
        raise ValueError(raw)
    return lowered == "true"


def parse_int(raw: str) -> int:
    if not INT_RE.match(raw):
        raise ValueError(raw)
    return int(raw)


def parse_int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = parse_int(raw)
        if not low <= value <= high:
            raise ValueError(raw)
        return value

    return parse


def parse_text(raw: str) -> str:
    """Free text, as sent; a NUL character cannot reach PostgreSQL."""
    if "\x00" in raw:
        raise ValueError(raw)
    return raw


def parse_datetime(raw: str) -> datetime:
    """ISO-8601 date-time with Z or an offset; a naive value is UTC; a date alone is invalid."""
    if "T" not in raw.upper() and " " not in raw:
        raise ValueError(raw)
    value = datetime.fromisoformat(raw.replace("z", "Z"))
    # in UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts (OverflowError past year 9999)
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
