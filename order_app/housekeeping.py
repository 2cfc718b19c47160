"""The order service's maintenance job (``manage.py purge_expired``; registered in apps.py):
expire the open orders past their deadline and release their stock (docs/api.md §37.2). It runs
before the inventory's reservation expiry so an order and its reservations expire together."""

from __future__ import annotations

from natjoub.registry import MaintenanceJob
from order_app import services


def expire_due_orders() -> dict[str, int]:
    return {"orders_expired": services.orders_expire()}


JOBS = (
    MaintenanceJob(
        "expired_orders",
        "Expire open orders past their deadline and release their reservations",
        expire_due_orders,
        order=15,
    ),
)
