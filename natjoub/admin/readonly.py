"""Read-only admin pages: rows that only services write (ledger, stock, tokens, roles) are shown
in the back office and never added, edited or deleted there."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyMixin:
    """For ModelAdmins and inlines alike (``obj`` is optional for both signatures)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass
