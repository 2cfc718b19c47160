from django.apps import AppConfig


class OrderAppConfig(AppConfig):
    """Orders for pickup at a branch (order_schema, docs/api.md §37). Everything the core runs for
    it is registered here (docs/architecture.md §1.4); auth and the inventory name no order code."""

    name = "order_app"
    verbose_name = "Orders"
    default_auto_field = "django.db.models.BigAutoField"
    public_modules = ()  # no app imports the orders (docs/architecture.md §1.4)

    def ready(self) -> None:
        from auth_app.directory import user_deleting
        from inventory_app.services.holds import register_check
        from natjoub.api.errors import register_error_codes
        from natjoub.metrics import register_gauge
        from natjoub.registry import (
            DashboardFigures,
            DemoSeeder,
            dashboard_panels,
            demo_seeders,
            mail_kinds,
            maintenance_jobs,
            seller_dashboard,
        )
        from order_app import dashboard, emails, housekeeping, seed, selectors, services
        from order_app.exceptions import OrderErrorCode
        from order_app.metrics import GAUGES
        from order_app.reconcile import order_violations

        register_error_codes(self.name, OrderErrorCode)
        for gauge in GAUGES:
            register_gauge(*gauge)
        for panel in dashboard.PANELS:
            dashboard_panels.register(panel)
        for job in housekeeping.JOBS:
            maintenance_jobs.register(job)
        for kind in emails.MAIL_KINDS:  # its mail through the core's outbox (docs/architecture.md §3.12)
            mail_kinds.register(kind)
        seller_dashboard.register(DashboardFigures("orders", selectors.seller_figures, order=10))
        demo_seeders.register(
            DemoSeeder(name="orders", run=seed.demo_seeder, after=("inventory",), flags=(seed.FLAG,), order=30)
        )
        user_deleting.connect(services.on_user_deleting, dispatch_uid="order_app.cancel_customer_orders")
        register_check("orders", order_violations)
