"""The mail outbox in the back office, read-only (docs/architecture.md §3.12): staff see what is
pending, sent and failed (with the error, never a message's content); ``manage.py deliver_mail
--retry-failed`` re-queues failed mail."""

from django.contrib import admin

from natjoub.admin.readonly import ReadOnlyAdmin
from natjoub.models import OutboxMail

STATUSES = {
    "pending": {"sent_at__isnull": True, "failed_at__isnull": True},
    "sent": {"sent_at__isnull": False},
    "failed": {"sent_at__isnull": True, "failed_at__isnull": False},
}


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(name, name.capitalize()) for name in STATUSES]

    def queryset(self, request, queryset):
        wanted = STATUSES.get(self.value() or "")
        return queryset.filter(**wanted) if wanted else queryset


@admin.register(OutboxMail)
class OutboxMailAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "status", "attempts", "created_at", "next_attempt_at", "sent_at", "last_error")
    list_filter = (StatusFilter, "kind")
    search_fields = ("kind", "last_error")
    list_per_page = 100

    @admin.display(description="status")
    def status(self, obj: OutboxMail) -> str:
        return obj.status
