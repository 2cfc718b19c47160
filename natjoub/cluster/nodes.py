"""App nodes: ``manage.py serve --no-migrate --no-seed`` on their own ports, configured for the
cluster through the environment (docs/api.md §20, §32)."""

from __future__ import annotations

import os
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from natjoub.cluster.processes import Child, free_port, wait_until

HOST = "127.0.0.1"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The parent's database settings must not leak into a node (a test process has its own).
_PARENT_ONLY = ("NATJOUB_EMBEDDED_DB_URI", "EMBEDDED_PG_DATA", "PROMETHEUS_MULTIPROC_DIR", "DJANGO_SETTINGS_MODULE")


def node_environment(settings: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _PARENT_ONLY and not k.startswith("DATABASE_")}
    env.pop("REDIS_URL", None)
    env.update(settings)
    return env


def ready(port: int) -> bool:
    request = urllib.request.Request(f"http://{HOST}:{port}/health/ready", headers={"Host": "localhost"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 - our own node
            return response.status == 200
    except OSError:
        return False


@dataclass
class AppNode:
    name: str
    directory: Path
    settings: dict[str, str]
    workers: int = 1
    threads: int = 4
    port: int = field(default_factory=free_port)
    child: Child | None = None

    def start(self) -> None:
        argv = [
            sys.executable, str(PROJECT_ROOT / "manage.py"), "serve", "--no-migrate", "--no-seed",
            "--host", HOST, "--port", str(self.port), "--workers", str(self.workers), "--threads", str(self.threads),
        ]  # fmt: skip
        self.child = Child(
            self.name, argv, self.directory / f"{self.name}.log", env=node_environment(self.settings), cwd=PROJECT_ROOT
        )
        self.child.start()

    def wait_ready(self, timeout: float = 90) -> None:
        wait_until(lambda: ready(self.port), timeout=timeout, what=f"app node {self.name}", process=self.child)

    def stop(self) -> None:
        if self.child:
            self.child.stop(timeout=12)  # serve stops within 10 s (docs/api.md §33)

    def kill(self) -> None:
        if self.child:
            self.child.kill()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"
