from django.apps import AppConfig


class InventoryAppConfig(AppConfig):
    """Branches, categories, items, the stock ledger and reservations (inventory_schema)."""

    name = "inventory_app"
    verbose_name = "Inventory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from inventory_app import dashboard, services
        from inventory_app.metrics import LOW_STOCK_COLLECTOR
        from natjoub.metrics import register_scrape_collector
        from natjoub.registry import MaintenanceJob, dashboard_panels, maintenance_jobs

        register_scrape_collector(LOW_STOCK_COLLECTOR)
        for panel in dashboard.PANELS:
            dashboard_panels.register(panel)
        maintenance_jobs.register(
            MaintenanceJob(
                "expired_reservations",
                "Expire due ACTIVE reservations and return their units to the stock rows",
                lambda: {"reservations_expired": services.reservations_release_expired()},
                order=20,
            )
        )
        maintenance_jobs.register(
            MaintenanceJob(
                "idempotency_keys",
                "Idempotency keys past their 24-hour retention",
                lambda: {"idempotency_keys": services.idempotency_keys_purge()},
                order=30,
            )
        )
