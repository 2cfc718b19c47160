"""The primary's backups (docs/api.md §38, docs/operations.md): Barman's WAL receiver streams from
the primary into ``<cluster dir>/backups`` for as long as the topology runs, as ``make run``'s
does; base backups are taken with ``DATABASE_URL=<primary> BACKUP_DIR=<that dir> manage.py
backup``. The replicas keep streaming from the primary over their own connections."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from natjoub.backup import config, streaming
from natjoub.db.embedded import EmbeddedServer, _binaries

HOST = "127.0.0.1"


@dataclass
class PrimaryBackups:
    directory: Path
    primary: EmbeddedServer
    process: subprocess.Popen | None = field(init=False, default=None)

    def settings(self) -> config.BackupSettings:
        params = {"host": HOST, "port": self.primary.port, "user": "postgres", "dbname": "postgres"}
        return config.BackupSettings(directory=self.directory, conninfo=config.conninfo(params), bin_dir=_binaries())

    def start(self) -> None:
        config_file = config.write(self.settings())
        with open(self.directory / "receiver.log", "a") as log:
            self.process = streaming.start(config_file, log=log)

    def stop(self) -> None:
        if self.process is not None:
            streaming.stop(self.process)
