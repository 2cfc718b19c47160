"""Success responses for views: the envelope with a contract message."""

from __future__ import annotations

from typing import Any

from rest_framework import status as http
from rest_framework.response import Response

from natjoub.api.envelope import success


def ok(data: Any, message: str, *, status: int = http.HTTP_200_OK, headers: dict | None = None) -> Response:
    return Response(success(data, message), status=status, headers=headers)
