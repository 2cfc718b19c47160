from django.apps import AppConfig


class InventoryAppConfig(AppConfig):
    """Branches, categories, items, the stock ledger and reservations (inventory_schema)."""

    name = "inventory_app"
    verbose_name = "Inventory"
    default_auto_field = "django.db.models.BigAutoField"
