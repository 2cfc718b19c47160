"""Offset pagination that renders the contract's ``meta`` (§2.1)."""

from __future__ import annotations

import math

from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from natjoub.api.envelope import success
from natjoub.api.filters import DEFAULT_LIMIT, MAX_LIMIT
from natjoub.api.output import render_counted_page, render_many, render_page
from natjoub.db.pages import PageSource

BIGINT_MAX = 2**63 - 1  # PostgreSQL reads LIMIT and OFFSET as bigint


class MetaPagination(BasePagination):
    """``limit``/``offset`` with the contract's meta. The list's FilterSet validated them with its
    filters (natjoub/api/filters.py); ``paginate`` reads and renders one page."""

    limit = DEFAULT_LIMIT
    offset = 0
    total = 0

    def paginate(self, source: PageSource, serializer_class, limit: int, offset: int) -> list:
        """Rows ``[offset:offset + limit]`` of ``source`` as ``serializer_class`` renders them;
        ``meta.total`` is ``source.count()`` (a counter when the selector named one, else counted).
        A page past the end is not read (a ``counted_with_page`` source: it is, and then counted;
        an offset beyond PostgreSQL's bigint, which no table reaches, is counted first instead)."""
        self.limit, self.offset = limit, offset
        if source.counted_with_page and offset + limit <= BIGINT_MAX:
            data, total = render_counted_page(serializer_class, source.rows, offset, offset + limit)
            if total is not None:
                self.total = total
                return data
        self.total = source.count()
        if offset >= self.total:
            return []
        if isinstance(source.rows, list):
            return render_many(serializer_class, source.rows[offset : offset + limit])
        return render_page(serializer_class, source.rows, offset, offset + limit)

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
