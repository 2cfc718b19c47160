"""`manage.py serve`: migrate, seed the demo data, and run the production app server."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand
from django.db import connections

DEMO_SIGN_INS = [
    ("admin", "admin@example.com", "admin123"),
    ("seller", "seller@example.com", "seller123"),
    ("customer", "customer1@example.com", "customer123"),
]


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM if this process dies (even by SIGKILL), so no orphan keeps the port."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Command(BaseCommand):
    help = (
        "Apply migrations (and the cache table), seed the demo data, then serve the API with granian "
        "(WSGI) on 0.0.0.0:PORT until SIGINT/SIGTERM. Worker processes: WEB_WORKERS (default 2); "
        "threads per worker: WEB_THREADS (default 4)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.PORT, help="TCP port (default: PORT or 8080)")
        parser.add_argument("--host", default="0.0.0.0", help="interface to bind (default: all)")  # noqa: S104
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 2)))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", 4)))
        parser.add_argument("--no-migrate", action="store_true", help="skip migrate/createcachetable")
        parser.add_argument("--no-seed", action="store_true", help="skip the demo data (seed_demo)")

    def handle(self, *args, **options):
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("createcachetable", verbosity=0)
            self.stdout.write(self.style.SUCCESS("Database migrated."))
        if not options["no_seed"] and "seed_demo" in get_commands():
            call_command("seed_demo", verbosity=0)
            self.stdout.write(self.style.SUCCESS("Demo data ready."))
        connections.close_all()
        metrics_dir = self._metrics_dir()
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
        command = [
            sys.executable, "-m", "granian",
            "--interface", "wsgi",
            "--host", options["host"],
            "--port", str(options["port"]),
            "--workers", str(options["workers"]),
            "--blocking-threads", str(options["threads"]),
            "--no-access-log",  # natjoub.access logs one JSON line per request
            "--respawn-failed-workers",
            "natjoub.wsgi:application",
        ]  # fmt: skip
        self._announce(options["port"])
        server = subprocess.Popen(command, env=env, preexec_fn=_die_with_parent)  # noqa: S603 - fixed argv

        def forward(signum, _frame):
            if server.poll() is None:
                server.send_signal(signal.SIGTERM if signum == signal.SIGTERM else signal.SIGINT)

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        try:
            code = server.wait()
        finally:
            if server.poll() is None:
                server.kill()
            shutil.rmtree(metrics_dir, ignore_errors=True)
        # Returning (not os._exit) runs the exit handlers that stop an embedded PostgreSQL.
        if code not in (0, -signal.SIGTERM, -signal.SIGINT):
            sys.exit(code)

    @staticmethod
    def _metrics_dir() -> Path:
        configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        path = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="natjoub-metrics-"))
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):  # counters of a previous run must not leak into this one
            stale.unlink()
        return path

    def _announce(self, port: int) -> None:
        base = f"http://127.0.0.1:{port}"
        lines = [
            f"NatJoub is starting on {base} (Ctrl-C to stop)",
            f"  API docs:  {base}/api/docs/   (Redoc: {base}/api/redoc/)",
            f"  Admin:     {base}/admin/",
            f"  Health:    {base}/health/ready   Metrics: {base}/metrics",
        ]
        if "seed_demo" in get_commands():
            lines.append("  Demo sign-ins (e-mail / password):")
            lines += [f"    {role:<9} {email} / {password}" for role, email, password in DEMO_SIGN_INS]
        self.stdout.write("\n".join(lines))
