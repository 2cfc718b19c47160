"""JSON request parsing per docs/api.md §1.2 and §3.2: strict JSON, objects only, camelCase keys,
and no unpaired surrogate anywhere (§35)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from rest_framework.parsers import BaseParser

from natjoub.api.casing import underscore_keys
from natjoub.api.errors import BodyNotObject, MalformedJson, ValidationFailed

# A surrogate can only enter through a \uD800–\uDFFF escape (UTF-8 itself cannot encode one): a
# body without such an escape is never walked.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def loads_strict(raw: bytes):
    """Decode UTF-8 JSON; numbers with a fraction or exponent become Decimal (never binary floats)."""
    try:
        return json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedJson from exc


def _wire_key(key: str) -> str:
    """A key as it can be echoed in ``details``: its own surrogates cannot be encoded as UTF-8."""
    return _SURROGATE.sub("\ufffd", key)


def _surrogate_path(value, path: str) -> str | None:
    """The path (``lines[1].sku``, the form of the validation details) of the first string, key
    included, holding an unpaired surrogate (a valid ``\\uD83D\\uDE00`` pair is decoded to one
    character by ``json``, so every surrogate left is unpaired); None when there is none."""
    if isinstance(value, str):
        return path if _SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{_wire_key(key)}" if path else _wire_key(key)
            if _SURROGATE.search(key):
                return inner
            found = _surrogate_path(item, inner)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _surrogate_path(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


class CamelCaseJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if not raw:
            return {}
        data = loads_strict(raw)
        if not isinstance(data, dict):
            raise BodyNotObject
        if _SURROGATE_ESCAPE.search(raw):
            # such a string cannot be encoded as UTF-8 (a hash, a cache key, the database): 400, never 500
            path = _surrogate_path(data, "")
            if path is not None:
                raise ValidationFailed({path: "Invalid value"})
        return underscore_keys(data)
