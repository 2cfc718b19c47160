from django.apps import AppConfig


class NatjoubConfig(AppConfig):
    """The core: system checks, registries, idempotency keys, the mail outbox, backups, the `serve`,
    `purge_expired`, `deliver_mail`, `backup` and `restore` commands."""

    name = "natjoub"
    verbose_name = "NatJoub"

    def ready(self) -> None:
        from natjoub import outbox
        from natjoub.admin import idempotency_keys  # noqa: F401 - registers its back-office page
        from natjoub.admin import outbox as outbox_admin  # noqa: F401 - registers its back-office page
        from natjoub.api import checks as api_checks  # noqa: F401 - registers the error-code check
        from natjoub.api.idempotency import PURGE_JOB
        from natjoub.backup.status import BACKUP_COLLECTOR
        from natjoub.db import checks, request_connections  # noqa: F401 - checks registers the schema check
        from natjoub.metrics import register_gauge, register_scrape_collector
        from natjoub.middleware import connect_signals
        from natjoub.registry import maintenance_jobs

        maintenance_jobs.register(PURGE_JOB)
        maintenance_jobs.register(outbox.MAINTENANCE_JOB)
        for gauge in outbox.GAUGES:
            register_gauge(*gauge)
        register_scrape_collector(BACKUP_COLLECTOR)  # backup age and WAL streaming (docs/api.md §38)
        connect_signals()  # the admin sign-in time, for the absolute session limit
        request_connections.install()  # per-request housekeeping of opened connections only
