"""The accounts' maintenance jobs (run by ``manage.py purge_expired``; registered in apps.py)."""

from __future__ import annotations

from auth_app.services import expired_tokens_purge
from natjoub.registry import MaintenanceJob

JOBS = (
    MaintenanceJob(
        "expired_tokens",
        "Expired refresh tokens and blacklist entries; used or expired password reset tokens; old sessions",
        expired_tokens_purge,
        order=10,
    ),
)
