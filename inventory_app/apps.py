from django.apps import AppConfig


class InventoryAppConfig(AppConfig):
    """Branches, categories, items, the stock ledger and reservations (inventory_schema)."""

    name = "inventory_app"
    verbose_name = "Inventory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from inventory_app.metrics import LOW_STOCK_COLLECTOR
        from natjoub.metrics import register_scrape_collector

        register_scrape_collector(LOW_STOCK_COLLECTOR)
