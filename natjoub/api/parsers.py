"""JSON request parsing per docs/api.md §1.2 and §3.2: strict JSON, objects only, camelCase keys."""

from __future__ import annotations

import json
from decimal import Decimal

from rest_framework.parsers import BaseParser

from natjoub.api.casing import underscore_keys
from natjoub.api.errors import BodyNotObject, MalformedJson


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def loads_strict(raw: bytes):
    """Decode UTF-8 JSON; numbers with a fraction or exponent become Decimal (never binary floats)."""
    try:
        return json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedJson from exc


class CamelCaseJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if not raw:
            return {}
        data = loads_strict(raw)
        if not isinstance(data, dict):
            raise BodyNotObject
        return underscore_keys(data)
