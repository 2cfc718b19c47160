"""camelCase on the wire, snake_case in Python: the one conversion used by parser and renderer."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])([A-Z])")


def to_camel(name: str) -> str:
    # keys repeat on every row of every page; only short ones are cached, because keys can also
    # echo client input (an unknown 200 kB body key must not stay in memory)
    return _cached_camel(name) if len(name) <= 64 else _camel(name)


def _camel(name: str) -> str:
    if "_" not in name or name.startswith("_"):
        return name
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_cached_camel = lru_cache(maxsize=4096)(_camel)


def to_snake(name: str) -> str:
    return _CAMEL_BOUNDARY.sub(r"_\1", name).lower() if name[:1].islower() else name


_CONTAINERS = (dict, list, tuple)


class Camelized(list):
    """Rows whose keys are camelCase already (natjoub.api.output renders list pages that way):
    ``camelize`` returns it as it is instead of walking every row again."""


def camelize(value: Any) -> Any:
    # scalars are returned inline rather than through a call: a page of 100 rows has ~2,000 of them
    if type(value) is Camelized:
        return value
    if isinstance(value, dict):
        return {
            (to_camel(k) if isinstance(k, str) else k): (camelize(v) if isinstance(v, _CONTAINERS) else v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [camelize(v) if isinstance(v, _CONTAINERS) else v for v in value]
    return value


def underscore_keys(value: dict) -> dict:
    """Convert the top-level keys of a request body (values are left as sent)."""
    return {to_snake(k): v for k, v in value.items()}
