"""`manage.py purge_expired`: the core runs the maintenance jobs the apps registered."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from natjoub.registry import MaintenanceJob, maintenance_jobs

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_every_registered_job_runs_in_order():
    output = run("purge_expired")
    names = [job.name for job in maintenance_jobs]
    # orders expire before the reservations, so an order and its stock are released together
    assert names[:4] == ["expired_tokens", "expired_orders", "expired_reservations", "idempotency_keys"]
    positions = [output.index(f"{name}:") for name in names]
    assert positions == sorted(positions)


def test_only_runs_the_named_jobs_and_list_shows_them():
    calls = []
    job = MaintenanceJob("probe", "A job registered by a test", lambda: calls.append(1) or {"probed": 3})
    maintenance_jobs.register(job)
    try:
        assert "probe" in run("purge_expired", "--list")
        assert calls == []
        output = run("purge_expired", "--only", "probe")
        assert calls == [1]
        assert "probe: probed: 3" in output
        assert "expired_tokens" not in output
        with pytest.raises(CommandError, match="Unknown job"):
            run("purge_expired", "--only", "nope")
    finally:
        maintenance_jobs.unregister("probe")


def test_a_name_cannot_be_registered_twice_for_different_jobs():
    first = MaintenanceJob("dup", "first", dict)
    maintenance_jobs.register(first)
    try:
        maintenance_jobs.register(first)  # the same entry again (ready() running twice) is fine
        with pytest.raises(ValueError, match="already registered"):
            maintenance_jobs.register(MaintenanceJob("dup", "second", dict))
    finally:
        maintenance_jobs.unregister("dup")
