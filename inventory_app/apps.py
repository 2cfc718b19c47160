from django.apps import AppConfig


class InventoryAppConfig(AppConfig):
    """Branches, categories, items, the stock ledger, reservations, transfers, branch assignments and
    stock alerts (inventory_schema)."""

    name = "inventory_app"
    verbose_name = "Inventory"
    default_auto_field = "django.db.models.BigAutoField"
    # what other apps may import (tests/natjoub/test_boundaries.py, docs/architecture.md §1.4)
    public_modules = ("inventory_app.services", "inventory_app.selectors")

    def ready(self) -> None:
        from auth_app.directory import user_deleting
        from inventory_app import dashboard, figures, housekeeping, seed
        from inventory_app.exceptions import InventoryErrorCode
        from inventory_app.metrics import GAUGES
        from inventory_app.services.assignments import access_removed_with_user
        from natjoub.api.errors import register_error_codes
        from natjoub.metrics import register_gauge
        from natjoub.registry import (
            DashboardFigures,
            DemoSeeder,
            SeedFlag,
            dashboard_panels,
            demo_seeders,
            maintenance_jobs,
            seller_dashboard,
        )

        register_error_codes(self.name, InventoryErrorCode)
        user_deleting.connect(access_removed_with_user, dispatch_uid="inventory_access_removed_with_user")
        for gauge in GAUGES:
            register_gauge(*gauge)
        for panel in dashboard.PANELS:
            dashboard_panels.register(panel)
        for job in housekeeping.JOBS:
            maintenance_jobs.register(job)
        transfers = SeedFlag(
            "--transfers",
            "Also dispatch one example transfer (BR-NORTH to BR-SR, OFFC-NBK-001 x 5, DEMO-TRANSFER), once.",
        )
        demo_seeders.register(
            DemoSeeder(name="inventory", run=seed.demo_seeder, after=("accounts",), flags=(transfers,), order=20)
        )
        seller_dashboard.register(DashboardFigures("stock", figures.seller_figures, order=20))
