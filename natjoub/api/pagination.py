"""Offset pagination that renders the contract's ``meta`` (§2.1)."""

from __future__ import annotations

import math

from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from natjoub.api.envelope import success
from natjoub.api.query import QueryParams, parse_int

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
LIMIT_MESSAGE = "Must be an integer between 1 and 1000"
OFFSET_MESSAGE = "Must be a non-negative integer"


def _limit(raw: str) -> int:
    value = parse_int(raw)
    if not 1 <= value <= MAX_LIMIT:
        raise ValueError(raw)
    return value


def _offset(raw: str) -> int:
    value = parse_int(raw)
    if value < 0:
        raise ValueError(raw)
    return value


class MetaPagination(BasePagination):
    """``limit``/``offset`` with the contract's meta; validation errors join the request's others."""

    def read_params(self, query: QueryParams) -> None:
        self.limit = query.get("limit", _limit, LIMIT_MESSAGE, DEFAULT_LIMIT)
        self.offset = query.get("offset", _offset, OFFSET_MESSAGE, 0)

    def paginate_queryset(self, queryset, request=None, view=None, *, total: int | None = None, render=None):
        """One page of ``queryset``; ``total`` when the caller knows it exactly without counting
        (natjoub/db/counters.py), else ``COUNT(*)``. ``render(queryset, start, stop)`` reads and
        renders the page in one go (natjoub.api.output.render_page); without it, the rows."""
        self.total = queryset.count() if total is None else total
        if self.offset >= self.total:
            return []
        if render is not None:
            return render(queryset, self.offset, self.offset + self.limit)
        return list(queryset[self.offset : self.offset + self.limit])

    def paginate_list(self, rows: list) -> list:
        self.total = len(rows)
        return rows[self.offset : self.offset + self.limit]

    def meta(self) -> dict:
        return {
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
            "page": self.offset // self.limit + 1,
            "page_size": self.limit,
            "total_pages": math.ceil(self.total / self.limit) if self.total else 0,
        }

    def get_paginated_response(self, data, message: str = "OK"):
        return Response(success(data, message, meta=self.meta()))

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["success", "data", "message", "error", "meta"],
            "properties": {
                "success": {"type": "boolean"},
                "data": schema,
                "message": {"type": "string"},
                "error": {"type": "object", "nullable": True},
                "meta": {
                    "type": "object",
                    "properties": {
                        name: {"type": "integer"}
                        for name in ("total", "limit", "offset", "page", "pageSize", "totalPages")
                    },
                },
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            },
            {"name": "offset", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}},
        ]
