"""The backup commands and gauges without a WAL receiver or a backup (docs/api.md §38); the
proofs against real servers are in tests/backup (make test-backup)."""

from __future__ import annotations

import re

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from natjoub.backup import config
from natjoub.backup.restore import RestoreError, recover


@pytest.fixture
def backup_dir(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR


# The test database's server streams to no receiver unless a developer's `make run` on the same
# .pgdata/ does: streaming is asserted in tests/backup, on servers of their own.
@pytest.mark.django_db
def test_check_fails_without_a_backup(backup_dir, capsys):
    with pytest.raises(CommandError, match=r"backups unhealthy: .*no base backup"):
        call_command("backup", "--check")
    out = capsys.readouterr().out
    assert re.search(r"^WAL streaming: (OK|FAILED)", out, re.MULTILINE)
    assert "last base backup: FAILED (none)" in out


@pytest.mark.django_db
def test_check_refuses_a_malformed_max_age(backup_dir):
    with override_settings(BACKUP_MAX_AGE="yesterday"), pytest.raises(CommandError, match="BACKUP_MAX_AGE"):
        call_command("backup", "--check")


@pytest.mark.django_db
def test_gauges_report_the_missing_backup(backup_dir, client):
    text = client.get("/metrics").content.decode()
    assert "natjoub_backup_last_age_seconds +Inf" in text
    assert re.search(r"^natjoub_backup_wal_streaming [01]\.0$", text, re.MULTILINE)


def test_list_of_an_empty_backup_dir(backup_dir, capsys):
    call_command("backup", "--list")
    assert f"No backup in {backup_dir.resolve()}" in capsys.readouterr().out


def test_restore_needs_a_target_or_replace(backup_dir):
    with pytest.raises(CommandError, match="give --target DIR"):
        call_command("restore")


def test_restore_never_writes_into_a_directory_with_files(backup_dir, tmp_path):
    target = tmp_path / "occupied"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(CommandError, match="holds data: restore into a new directory, or add --replace"):
        call_command("restore", "--target", str(target))
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_restore_without_a_base_backup_says_so(backup_dir, tmp_path):
    with pytest.raises(RestoreError, match="no base backup"):
        recover(config.from_django_settings(), tmp_path / "new")


def test_restore_refuses_a_time_that_is_not_iso_8601(backup_dir, tmp_path):
    with pytest.raises(CommandError, match="--to-time must be an ISO-8601"):
        call_command("restore", "--to-time", "last tuesday", "--target", str(tmp_path / "new"))


def test_configuration_comes_from_the_settings(backup_dir, settings):
    settings.BACKUP_RETENTION = "REDUNDANCY 3"
    cfg = config.from_django_settings()
    text = config.write(cfg).read_text()
    assert "retention_policy = REDUNDANCY 3" in text
    assert f"path_prefix = {cfg.bin_dir}" in text
    assert (cfg.bin_dir / "pg_receivewal").exists()
    assert "slot_name = barman" in text
    assert "streaming_archiver = on" in text
    assert (config.write(cfg).stat().st_mode & 0o777) == 0o600  # the conninfo may hold a password


def test_conninfo_quotes_values():
    assert config.conninfo({"host": "/srv/a b", "password": "it's", "port": None}) == (
        "host='/srv/a b' password='it\\'s'"
    )
