"""The housekeeping of ``manage.py serve``: every registered maintenance job, once a minute.

Due orders expire (docs/api.md §37.2), due reservations are released, expired tokens and old
idempotency keys go, without an operator's cron: ``serve`` runs the jobs the apps registered
(natjoub.registry.maintenance_jobs, the same ones ``manage.py purge_expired`` runs) on one daemon
thread of its own process, not in the workers that answer requests. A failing job is logged and
the next one still runs; the thread's connections are closed after every round, so nothing of it
is left open between rounds or when ``serve`` stops.
"""

from __future__ import annotations

import logging
import threading

from django.db import connections

from natjoub.registry import maintenance_jobs

logger = logging.getLogger("natjoub.housekeeping")


def run_jobs() -> dict[str, dict[str, int]]:
    """One round: every job in order; returns what each handled (a failed job: nothing)."""
    done: dict[str, dict[str, int]] = {}
    try:
        for job in maintenance_jobs:
            try:
                done[job.name] = job.run()
            except Exception:
                logger.exception("housekeeping job %s failed", job.name)
                done[job.name] = {}
    finally:
        for connection in connections.all(initialized_only=True):
            connection.close()
            if hasattr(connection, "close_pool"):
                connection.close_pool()
    return done


class Housekeeping:
    """A daemon thread running :func:`run_jobs` every ``interval`` seconds until :meth:`stop`."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="natjoub-housekeeping", daemon=True)

    def start(self) -> Housekeeping:
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stopped.wait(self.interval):  # the first round after one interval: serve just migrated
            done = run_jobs()
            handled = {name: counts for name, counts in done.items() if any(counts.values())}
            if handled:
                logger.info("housekeeping", extra={"jobs": handled})

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the thread to end and wait briefly; a round still running is left to the process exit."""
        self._stopped.set()
        self._thread.join(timeout)
