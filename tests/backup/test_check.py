"""`backup --check` (the alert path for cron and Kubernetes, independent of /health/ready) fails
as soon as the WAL receiver is gone, and passes again once it runs (docs/api.md §38); the
`natjoub_backup_wal_streaming` gauge follows."""

from __future__ import annotations

import os
import signal
import time

from tests.backup.conftest import Api, receiver_pids


def wait_for_gauge(api: Api, value: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while f"natjoub_backup_wal_streaming {value}" not in api.metrics():
        assert time.monotonic() < deadline, api.metrics()
        time.sleep(0.2)


def test_check_fails_when_the_wal_receiver_dies_and_passes_after_a_restart(site):
    here = site()
    api = Api(here)
    api.wait_ready()
    backup = here.manage("backup")
    assert backup.returncode == 0, here.explain(backup)

    healthy = here.manage("backup", "--check")
    assert healthy.returncode == 0, here.explain(healthy)
    assert "WAL streaming: OK" in healthy.stdout
    assert "last base backup: OK" in healthy.stdout
    wait_for_gauge(api, "1.0")
    assert "natjoub_backup_last_age_seconds" in api.metrics()

    victims = receiver_pids(here.backup_dir)
    assert victims
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    down = here.manage("backup", "--check")  # the first check after the kill, nothing retried
    print(f"backup --check failed {time.monotonic() - killed:.1f} s after the receiver was killed")  # noqa: T201
    assert down.returncode != 0
    assert "WAL streaming: FAILED" in down.stdout
    assert "WAL streaming is down" in down.stderr
    assert "natjoub_backup_wal_streaming 0.0" in api.metrics()

    here.spawn("backup", "--stream", log_name="stream.log")  # the restart (make run restarts it too)
    wait_for_gauge(api, "1.0")
    again = here.manage("backup", "--check")
    assert again.returncode == 0, here.explain(again) + here.log("stream.log")
