"""``manage.py seed_demo``: the demo accounts and inventory of docs/api.md §23 (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from auth_app.seed import seed_demo_users
from inventory_app.seed import seed_inventory


class Command(BaseCommand):
    help = (
        "Create the demo data of the API contract (§23, §34) where missing: roles, four users, four branches, "
        "ten categories, fourteen items and their opening stock (as OPENING-BALANCE movements, reserved units "
        "backed by DEMO-SEED reservations). Idempotent: safe to run again, nothing is duplicated. Refused in "
        "production (APP_ENVIRONMENT=production: the demo accounts have published passwords) unless given "
        "--allow-production."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--transfers",
            action="store_true",
            help="Also dispatch one example transfer (BR-NORTH to BR-SR, OFFC-NBK-001 x 5, DEMO-TRANSFER), once.",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="seed even in production (creates accounts whose passwords are published in the docs)",
        )

    def handle(self, *args, transfers=False, **options):
        if settings.PRODUCTION and not options["allow_production"]:
            raise CommandError(
                "Refusing to seed demo data in production: the demo accounts' passwords are public. "
                "Use --allow-production if you really mean it."
            )
        with transaction.atomic():
            users, admin = seed_demo_users()
            report = seed_inventory(admin_id=admin.pk, transfers=transfers)
        self.stdout.write(f"Users created: {users}")
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
