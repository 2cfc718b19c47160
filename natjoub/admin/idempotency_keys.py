"""The stored idempotent responses, read-only (only the API writes them)."""

from django.contrib import admin

from natjoub.admin.readonly import ReadOnlyAdmin
from natjoub.models import IdempotencyKey


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ("key", "user_id", "response_status", "created_at")
    search_fields = ("key", "user_id")
    list_filter = ("response_status",)
