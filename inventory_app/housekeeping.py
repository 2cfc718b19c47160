"""The inventory's maintenance jobs (run by ``manage.py purge_expired``; registered in apps.py)."""

from __future__ import annotations

from inventory_app import services
from natjoub.registry import MaintenanceJob


def expire_due_reservations() -> dict[str, int]:
    return {"reservations_expired": services.reservations_release_expired()}


JOBS = (
    MaintenanceJob(
        "expired_reservations",
        "Expire due ACTIVE reservations and return their units to the stock rows",
        expire_due_reservations,
        order=20,
    ),
)
