"""``manage.py seed_demo``: the demo data of docs/api.md §23, §34 and §40 (idempotent).

The core names no app: it runs every seeder the apps registered (``natjoub.registry.demo_seeders``)
in dependency order, in one transaction, and offers the flags they declare.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from natjoub.registry import SeedContext, demo_seeders, in_dependency_order


class Command(BaseCommand):
    help = (
        "Create the demo data of the API contract (§23, §34, §40) where missing: roles, the demo users, four "
        "branches, ten categories, fourteen items and their opening stock (as OPENING-BALANCE movements, reserved "
        "units backed by DEMO-SEED reservations), and what other apps registered. Idempotent: safe to run again, "
        "nothing is duplicated. Refused in production (APP_ENVIRONMENT=production: the demo accounts have "
        "published passwords) unless given --allow-production."
    )

    def add_arguments(self, parser):
        for seeder in in_dependency_order(demo_seeders):
            for flag in seeder.flags:
                parser.add_argument(flag.name, action="store_true", help=flag.help)
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="seed even in production (creates accounts whose passwords are published in the docs)",
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION and not options["allow_production"]:
            raise CommandError(
                "Refusing to seed demo data in production: the demo accounts' passwords are public. "
                "Use --allow-production if you really mean it."
            )
        ctx = SeedContext(options=options)
        lines: list[str] = []
        with transaction.atomic():
            for seeder in in_dependency_order(demo_seeders):
                lines.extend(seeder.run(ctx))
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
