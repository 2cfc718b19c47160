"""Query-parameter parsing per docs/api.md §1.2 and §2.1, collecting every error of a request."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from natjoub.api.errors import ValidationFailed

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


class QueryParams:
    """Read query parameters, remembering one error per parameter; ``raise_errors()`` reports them."""

    def __init__(self, params) -> None:
        self.params = params
        self.errors: dict[str, str] = {}

    def raw(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if value not in (None, "") else None  # an empty value counts as absent

    def get(self, name: str, parser: Callable[[str], Any], message: str = INVALID, default: Any = None) -> Any:
        raw = self.raw(name)
        if raw is None:
            return default
        try:
            return parser(raw)
        except (ValueError, OverflowError):
            self.errors[name] = message
            return default

    def uuid(self, name: str) -> uuid.UUID | None:
        return self.get(name, parse_uuid)

    def bool(self, name: str) -> bool | None:
        return self.get(name, parse_bool)

    def datetime(self, name: str) -> datetime | None:
        return self.get(name, parse_datetime)

    def choice(self, name: str, choices: list[str], message: str) -> str | None:
        return self.get(name, lambda raw: raw if raw in choices else _raise(raw), message)

    def text(self, name: str) -> str | None:
        return self.get(name, parse_text)

    def raise_errors(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def _raise(raw: str):
    raise ValueError(raw)
