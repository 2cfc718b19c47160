"""Disk loss with BACKUP_SYNCHRONOUS=true loses no acknowledged movement (docs/api.md §38): eight
clients post movements to a real `serve` whose WAL receiver is a synchronous standby; PostgreSQL
is SIGKILLed and its data directory deleted; `restore` to the newest point gives back every
movement whose POST got its 201 (counted by the clients), none twice, and a ledger that
reconciles."""

from __future__ import annotations

import http.client
import shutil
import threading
import time

from natjoub.db.embedded import EmbeddedServer
from tests.backup.conftest import Api, kill_postgres, psql, references_in

CLIENTS = 8
ACKNOWLEDGED_BEFORE_THE_CRASH = 400


def test_disk_loss_loses_no_acknowledged_movement(site):
    here = site(synchronous=True)
    api = Api(here)
    api.wait_ready()
    backup = here.manage("backup")
    assert backup.returncode == 0, here.explain(backup)
    receiver = "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'barman_receive_wal'"
    assert psql(here.server(), receiver) == "sync"

    acknowledged: list[str] = []
    stop = threading.Event()

    def client(index: int) -> None:
        number = 0
        while not stop.is_set():
            reference = f"loss-{index}-{number}"
            number += 1
            try:
                status = api.movement(reference, index)
            except (OSError, http.client.HTTPException):
                status = None
            if status == 201:
                acknowledged.append(reference)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 600
        while len(acknowledged) < ACKNOWLEDGED_BEFORE_THE_CRASH and time.monotonic() < deadline:
            time.sleep(0.05)
        kill_postgres(here.data_dir)  # mid-traffic: POSTs are in flight
        shutil.rmtree(here.data_dir)  # and the disk is gone
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_THE_CRASH
    print(f"{len(acknowledged)} movements acknowledged before the crash")  # noqa: T201
    here.stop_all()

    target = here.root / "restored"
    restored = here.manage("restore", "--target", str(target))
    assert restored.returncode == 0, here.explain(restored)
    server = EmbeddedServer(target)
    server.start()
    try:
        found = references_in(server, "loss-")
        assert len(found) == len(set(found))  # none twice
        missing = set(acknowledged) - set(found)
        assert not missing, f"{len(missing)} acknowledged movements lost, e.g. {sorted(missing)[:5]}"
        reconcile = here.manage("reconcile_stock", env={"DATABASE_URL": server.uri()})
        assert reconcile.returncode == 0, reconcile.stdout + reconcile.stderr
    finally:
        server.stop()
