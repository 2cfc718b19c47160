from django.apps import AppConfig


class AuthAppConfig(AppConfig):
    """Accounts, roles, credentials, tokens, OTP and password reset (auth_schema)."""

    name = "auth_app"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auth_app import schema  # noqa: F401 - registers the OpenAPI authentication extension
        from auth_app.services import expired_tokens_purge
        from natjoub.registry import MaintenanceJob, maintenance_jobs

        maintenance_jobs.register(
            MaintenanceJob(
                "expired_tokens",
                "Expired refresh tokens and blacklist entries; used or expired password reset tokens",
                expired_tokens_purge,
                order=10,
            )
        )
