from django.apps import AppConfig


class AuthAppConfig(AppConfig):
    """Accounts, roles, credentials, tokens, OTP and password reset (auth_schema)."""

    name = "auth_app"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auth_app import schema  # noqa: F401 - registers the OpenAPI authentication extension
