"""What the inventory viewsets share: role tables and OpenAPI parameter helpers."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from auth_app.permissions import AnyRole, IsAdmin, IsAdminOrSeller

READ_ANY_WRITE_ADMIN = {
    "list": [AnyRole],
    "retrieve": [AnyRole],
    "create": [IsAdmin],
    "update": [IsAdmin],
    "destroy": [IsAdmin],
}
READ_ANY_WRITE_STAFF = {
    "list": [AnyRole],
    "retrieve": [AnyRole],
    "tree": [AnyRole],
    "create": [IsAdminOrSeller],
    "update": [IsAdminOrSeller],
    "destroy": [IsAdminOrSeller],
}
STAFF_ONLY = {"*": [IsAdminOrSeller]}
DELETED = {200: OpenApiResponse(description="Deleted; `data` is null")}


def query_param(name: str, kind=OpenApiTypes.STR, description: str = "", enum=None) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=False, description=description, enum=enum)
