from django.apps import AppConfig


class AuthAppConfig(AppConfig):
    """Accounts, roles, credentials, tokens, OTP and password reset (auth_schema)."""

    name = "auth_app"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"
    # what other apps may import (tests/natjoub/test_boundaries.py, docs/architecture.md §1.4)
    public_modules = ("auth_app.directory", "auth_app.permissions")

    def ready(self) -> None:
        from auth_app import housekeeping, schema, seed  # noqa: F401 - schema registers the OpenAPI auth extension
        from auth_app.error_codes import AuthErrorCode
        from natjoub.api.errors import register_error_codes
        from natjoub.registry import DemoSeeder, demo_seeders, maintenance_jobs

        register_error_codes(self.name, AuthErrorCode)

        for job in housekeeping.JOBS:
            maintenance_jobs.register(job)
        demo_seeders.register(DemoSeeder(name="accounts", run=seed.demo_seeder, order=10))
