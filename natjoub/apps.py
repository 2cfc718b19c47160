from django.apps import AppConfig


class NatjoubConfig(AppConfig):
    """The core: system checks, registries, idempotency keys, the `serve` and `purge_expired` commands."""

    name = "natjoub"
    verbose_name = "NatJoub"

    def ready(self) -> None:
        from natjoub.admin import idempotency_keys  # noqa: F401 - registers its back-office page
        from natjoub.api import checks as api_checks  # noqa: F401 - registers the error-code check
        from natjoub.api.idempotency import PURGE_JOB
        from natjoub.db import checks  # noqa: F401 - registers the schema check
        from natjoub.middleware import connect_signals
        from natjoub.registry import maintenance_jobs

        maintenance_jobs.register(PURGE_JOB)
        connect_signals()  # the admin sign-in time, for the absolute session limit
