"""``manage.py expire_orders``: expire every open order past its deadline (docs/api.md §37.2)."""

from django.core.management.base import BaseCommand

from order_app.services import orders_expire


class Command(BaseCommand):
    help = (
        "Expire every open order (PLACED, CONFIRMED, READY) whose deadline has passed, releasing its reserved "
        "stock, and print how many. Safe to run at any time; also a job of purge_expired."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Orders expired: {orders_expire()}")
