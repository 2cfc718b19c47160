"""Point-in-time recovery undoes "the accident" (docs/api.md §38): 1,000 movements, a base
backup, 1,000 more, the moment T, 1,000 more, then everyone's movements deleted through psql.
`restore --to-time T` into a new directory gives exactly the first 2,000 movements, stock rows
that match the ledger (`reconcile_stock` exit 0) and nothing committed after T. And `restore`
never writes over data it was not told to replace; `backup` applies the retention policy."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from natjoub.db.embedded import EmbeddedServer
from tests.backup.conftest import Api, psql, references_in, sites

FIRST, SECOND, THIRD = ([f"pitr-{batch}-{n:04d}" for n in range(1_000)] for batch in "abc")


@pytest.fixture(scope="module")
def backed_up():
    """`serve` streaming WAL, the first 1,000 movements, then a base backup."""
    with sites() as make:
        here = make()
        api = Api(here)
        api.wait_ready()
        api.write(FIRST)
        backup = here.manage("backup")
        assert backup.returncode == 0, here.explain(backup)
        assert "verified by pg_verifybackup" in backup.stdout
        yield here, api


def test_restore_to_a_moment_before_the_accident(backed_up):
    here, api = backed_up
    api.write(SECOND)
    moment = datetime.now(UTC).isoformat()  # every movement so far got its 201: committed before T
    api.write(THIRD)
    psql(here.server(), "DELETE FROM inventory_schema.stock_movements")  # the accident
    assert references_in(here.server(), "pitr-") == []

    target = here.root / "restored"
    restored = here.manage("restore", "--to-time", moment, "--target", str(target))
    assert restored.returncode == 0, here.explain(restored)

    server = EmbeddedServer(target)
    server.start()  # returns once the replay has ended (hot standby would let us read half of it)
    try:
        assert psql(server, "SELECT pg_is_in_recovery()") == "f"
        found = references_in(server, "pitr-")
        replay_log = server.log_file.read_text()[-3000:]
        assert len(found) == 2_000, f"{restored.stdout}\n--- the restored server's log:\n{replay_log}"
        assert set(found) == set(FIRST) | set(SECOND)  # exactly those: none of the third batch
        reconcile = here.manage("reconcile_stock", env={"DATABASE_URL": server.uri()})
        assert reconcile.returncode == 0, reconcile.stdout + reconcile.stderr
        assert "No drift" in reconcile.stdout
    finally:
        server.stop()


def test_restore_never_overwrites_data_without_replace_and_not_while_the_server_runs(backed_up):
    here, _api = backed_up
    into_data = here.manage("restore", "--target", str(here.data_dir))
    assert into_data.returncode != 0
    assert "restore into a new directory, or add --replace" in into_data.stderr

    busy = here.root / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    into_busy = here.manage("restore", "--target", str(busy))
    assert into_busy.returncode != 0
    assert sorted(path.name for path in busy.iterdir()) == ["keep.txt"]

    replace = here.manage("restore", "--replace")
    assert replace.returncode != 0
    assert "is running" in replace.stderr
    assert here.server().postmaster_alive()  # nothing was stopped


def test_a_base_backup_deletes_what_the_retention_policy_makes_obsolete(backed_up):
    here, _api = backed_up
    before = re.findall(r"^(\d{8}T\d{6})\s", here.manage("backup", "--list").stdout, re.MULTILINE)
    assert before
    newest = here.manage("backup", env={"BACKUP_RETENTION": "REDUNDANCY 1"})
    assert newest.returncode == 0, here.explain(newest)
    kept = re.search(r"Backup (\S+) done", newest.stdout).group(1)
    for old in before:
        assert f"Deleted backup {old} (outside REDUNDANCY 1)" in newest.stdout
    after = re.findall(r"^(\d{8}T\d{6})\s", here.manage("backup", "--list").stdout, re.MULTILINE)
    assert after == [kept]
