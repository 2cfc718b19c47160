"""serve's housekeeping (natjoub/serving/housekeeping.py): every registered maintenance job, on a
thread of its own, a failing job never stopping the others (docs/api.md §37.2)."""

import threading

import pytest
from django.db import connection

from natjoub.registry import MaintenanceJob, Registry
from natjoub.serving import housekeeping

pytestmark = pytest.mark.django_db(transaction=True)


def _jobs(monkeypatch, *jobs):
    registry = Registry("maintenance job")
    for job in jobs:
        registry.register(job)
    monkeypatch.setattr(housekeeping, "maintenance_jobs", registry)


def test_a_round_runs_every_job_and_a_failure_does_not_stop_the_next(monkeypatch, caplog):
    def broken():
        raise RuntimeError("boom")

    def counts():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"rows": 3}

    _jobs(
        monkeypatch,
        MaintenanceJob("a_broken", "fails", broken, order=1),
        MaintenanceJob("b_counts", "works", counts, order=2),
    )
    done = housekeeping.run_jobs()
    assert done == {"a_broken": {}, "b_counts": {"rows": 3}}
    assert "housekeeping job a_broken failed" in caplog.text
    assert connection.connection is None  # the round closed what it opened


def test_the_thread_runs_rounds_until_stopped(monkeypatch):
    rounds = threading.Semaphore(0)

    def tick():
        rounds.release()
        return {}

    _jobs(monkeypatch, MaintenanceJob("tick", "counts rounds", tick))
    chores = housekeeping.Housekeeping(interval=0.05).start()
    try:
        assert rounds.acquire(timeout=10)
        assert rounds.acquire(timeout=10)  # and again, one interval later
    finally:
        chores.stop()
    assert not chores._thread.is_alive()


def test_the_order_expiry_is_one_of_the_jobs_serve_runs():
    from natjoub.registry import maintenance_jobs

    names = [job.name for job in maintenance_jobs]
    assert "expired_orders" in names
    assert names.index("expired_orders") < names.index("expired_reservations")
