"""What the inventory viewsets share: role tables and the scoped base."""

from __future__ import annotations

from functools import cached_property

from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import BasePermission

from auth_app.permissions import AnyRole, IsAdmin, IsAdminOrSeller
from inventory_app.exceptions import NoBranchAccess
from inventory_app.scoping import BranchAccess
from inventory_app.selectors.access import branch_access_of
from natjoub.api.idempotency import META_KEY
from natjoub.api.views import ApiViewSet

READ_ANY_WRITE_ADMIN = {
    "list": [AnyRole],
    "retrieve": [AnyRole],
    "create": [IsAdmin],
    "update": [IsAdmin],
    "destroy": [IsAdmin],
}


class HasBranches(BasePermission):
    """After the role check: a seller with no branches may not write the catalog, 403
    ``NO_BRANCH_ACCESS`` before its body is read (docs/api.md §36). Admins always pass."""

    def has_permission(self, request, view) -> bool:
        if view.action == "metadata":  # OPTIONS: the route's own role check decides
            return True
        if branch_access_of(request).is_empty:
            raise NoBranchAccess
        return True


READ_ANY_WRITE_STAFF = {
    "list": [AnyRole],
    "retrieve": [AnyRole],
    "tree": [AnyRole],
    "create": [IsAdminOrSeller, HasBranches],
    "update": [IsAdminOrSeller, HasBranches],
    "destroy": [IsAdminOrSeller, HasBranches],
}
STAFF_ONLY = {"*": [IsAdminOrSeller]}
DELETED = {200: OpenApiResponse(description="Deleted; `data` is null")}


class ScopedViewSet(ApiViewSet):
    """Stock viewsets: ``self.scope`` is the caller's ``BranchAccess`` (docs/api.md §36), decided
    on the primary when first used and passed to every selector and service of the stock routes."""

    @cached_property
    def scope(self) -> BranchAccess:
        return branch_access_of(self.request)

    @staticmethod
    def has_key(request) -> bool:
        """An ``Idempotency-Key`` was sent (the guard of an idempotent create then checks scoping
        before the key is looked up; without one, the service's own statements check it)."""
        return request.META.get(META_KEY) is not None
