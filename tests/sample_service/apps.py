from django.apps import AppConfig


class SampleServiceConfig(AppConfig):
    """Notes (sample_schema): the fixture app of docs/architecture.md §7.2."""

    name = "tests.sample_service"
    label = "sample_service"
    verbose_name = "Sample service"
    default_auto_field = "django.db.models.BigAutoField"
    # what other apps may import (tests/natjoub/test_boundaries.py)
    public_modules = ("tests.sample_service.selectors",)

    def ready(self) -> None:
        from auth_app.directory import user_deleting
        from natjoub.api.errors import register_error_codes
        from natjoub.registry import (
            DashboardFigures,
            DashboardPanel,
            DemoSeeder,
            SeedFlag,
            dashboard_panels,
            demo_seeders,
            seller_dashboard,
        )
        from tests.sample_service import dashboard, seed, services
        from tests.sample_service.exceptions import SampleErrorCode

        register_error_codes(self.label, SampleErrorCode)
        demo_seeders.register(
            DemoSeeder(
                name="sample",
                run=seed.demo_seeder,
                after=("accounts",),
                flags=(SeedFlag("--sample-notes", "Also create the sample service's demo note."),),
                order=90,
            )
        )
        dashboard_panels.register(
            DashboardPanel(
                name="sample_notes",
                title="Sample notes",
                template="sample_service/panel.html",
                context=dashboard.notes_panel,
                order=900,
            )
        )
        seller_dashboard.register(DashboardFigures(name="sample_notes", compute=dashboard.seller_figures, order=900))
        user_deleting.connect(services.on_user_deleting, dispatch_uid="sample_service.notes")
