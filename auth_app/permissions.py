"""Role permissions (docs/api.md §5). The role used is the access token's ``role`` claim."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from auth_app.models import RoleName


class HasRole(BasePermission):
    roles: frozenset[str] = frozenset()

    def has_permission(self, request, view) -> bool:
        token = request.auth
        return token is not None and token.get("role") in self.roles


class IsAdmin(HasRole):
    roles = frozenset({RoleName.ADMIN})


class IsSeller(HasRole):
    roles = frozenset({RoleName.SELLER})


class IsCustomer(HasRole):
    roles = frozenset({RoleName.CUSTOMER})


class IsAdminOrSeller(HasRole):
    roles = frozenset({RoleName.ADMIN, RoleName.SELLER})


class AnyRole(HasRole):
    roles = frozenset(RoleName.values)
