"""`manage.py serve`: migrate, seed the demo data, and run the production app server."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from natjoub.db.cache import missing_tables as cache_tables_missing
from natjoub.serving import granian, housekeeping, mail, supervisor
from natjoub.serving import port as ports

DEMO_SIGN_INS = [
    ("admin", "admin@example.com", "admin123"),
    ("seller", "seller@example.com", "seller123"),
    ("customer", "customer1@example.com", "customer123"),
]
# Seconds granian gets to stop gracefully before its whole process group is killed. With the
# embedded PostgreSQL's shutdown after it (at most 4 s fast, then immediate), a stop stays inside
# 10 s even on a saturated machine (docs/api.md §33).
STOP_TIMEOUT = 4.5


@contextlib.contextmanager
def _stop_signals_interrupt():
    """SIGTERM, like SIGINT, raises KeyboardInterrupt, so exit handlers still run (a SIGTERM's
    default action would leave the embedded PostgreSQL running)."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = {signum: signal.signal(signum, interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class Command(BaseCommand):
    help = (
        "Apply migrations (they create the rate-limit cache table), seed the demo data (never in "
        "production), then serve the API with granian "
        "(WSGI) on 0.0.0.0:PORT until SIGINT/SIGTERM, which stop it within 10 s (exit status 0). "
        "A port already in use is an error. Worker processes: WEB_WORKERS (default 2); threads per "
        "worker: WEB_THREADS (default 4)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.PORT, help="TCP port (default: PORT or 8080)")
        parser.add_argument("--host", default="0.0.0.0", help="interface to bind (default: all)")  # noqa: S104
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 2)))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", 4)))
        parser.add_argument("--no-migrate", action="store_true", help="skip migrate (its cache table must exist)")
        parser.add_argument(
            "--no-seed", action="store_true", help="skip the demo data (seed_demo); production never seeds"
        )

    def handle(self, *args, **options):
        try:
            guard = ports.claim(options["host"], options["port"])  # before any work: serve nothing
        except ports.PortInUse as exc:
            raise CommandError(str(exc)) from None
        with guard:
            try:
                with _stop_signals_interrupt():
                    self._prepare(options)
            except KeyboardInterrupt:  # stopped while migrating or seeding: nothing is serving yet
                self.stdout.write("NatJoub stopped.")
                return
            outcome = self._serve(options)
        # Returning (not sys.exit inside a handler) runs the exit handlers that stop an embedded
        # PostgreSQL this process started.
        if not outcome.stop_requested and outcome.returncode != 0:
            sys.exit(outcome.returncode or 1)

    def _prepare(self, options) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
            self.stdout.write(self.style.SUCCESS("Database migrated."))
        # Without its table every rate limit would silently fail open (docs/api.md §35).
        try:
            missing = cache_tables_missing()
        except DatabaseError as exc:
            raise CommandError(f"Cannot check the cache table, the database did not answer: {exc}") from None
        if missing:
            names = ", ".join(missing)
            raise CommandError(f"The cache table {names} does not exist: run `manage.py migrate` (it creates it).")
        if self._seeds(options):
            call_command("seed_demo", verbosity=0)
            self.stdout.write(self.style.SUCCESS("Demo data ready."))
        for connection in connections.all():
            connection.close()
            if hasattr(connection, "close_pool"):
                connection.close_pool()  # no pool threads left in this process

    @staticmethod
    def _seeds(options) -> bool:
        """Demo accounts with published passwords never enter a production database (docs/api.md §32)."""
        return not options["no_seed"] and not settings.PRODUCTION and "seed_demo" in get_commands()

    def _serve(self, options) -> supervisor.Outcome:
        metrics_dir, created = self._metrics_dir()
        env = granian.environment({**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)})
        command = granian.command(
            host=options["host"], port=options["port"], workers=options["workers"], threads=options["threads"]
        )
        receiver = self._start_wal_streaming()
        chores = self._start_housekeeping()
        mail_delivery = mail.from_settings().start()  # the outbox, off the workers (docs/architecture.md §3.12)
        self._announce(options["port"])
        try:
            outcome = supervisor.run(command, env=env, stop_timeout=STOP_TIMEOUT)
        finally:
            mail_delivery.stop(timeout=1.0)  # a batch in flight is sent again after its lease
            if chores is not None:
                chores.stop()
            if receiver is not None:
                self._stop_wal_streaming(receiver)
            if created:  # an operator's PROMETHEUS_MULTIPROC_DIR stays (its stale files go at the next start)
                shutil.rmtree(metrics_dir, ignore_errors=True)
        if outcome.stop_requested:
            self.stdout.write("NatJoub stopped.")
        return outcome

    @staticmethod
    def _start_housekeeping() -> housekeeping.Housekeeping | None:
        """The registered maintenance jobs every HOUSEKEEPING_INTERVAL_SECONDS (docs/api.md §37.2)."""
        interval = settings.HOUSEKEEPING_INTERVAL_SECONDS
        return housekeeping.Housekeeping(interval).start() if interval > 0 else None

    def _start_wal_streaming(self):
        """Barman's WAL receiver as one more child (docs/api.md §38), in synchronous mode first
        listed in ``synchronous_standby_names`` so that Barman runs ``pg_receivewal --synchronous``."""
        if not settings.BACKUP_STREAMING:
            return None
        try:
            return self._spawn_wal_receiver()
        except Exception as exc:  # serving matters more; `backup --check` and the gauge report it
            self.stderr.write(f"WAL streaming not started: {exc}")
            return None

    def _spawn_wal_receiver(self):
        from natjoub.backup import config, streaming

        if not streaming.set_synchronous(config.server_params(), settings.BACKUP_SYNCHRONOUS):
            self.stderr.write("BACKUP_SYNCHRONOUS: could not change synchronous_standby_names (needs ALTER SYSTEM)")
        cfg = config.from_django_settings()
        config_file = config.write(cfg)
        log = open(cfg.directory / "receiver.log", "a")  # noqa: SIM115 - the child writes to it until stopped
        try:
            receiver = streaming.start(config_file, log=log)
        finally:
            log.close()
        mode = "synchronous" if settings.BACKUP_SYNCHRONOUS else "asynchronous"
        self.stdout.write(f"Streaming WAL to {cfg.directory} ({mode}; log: {cfg.directory / 'receiver.log'})")
        return receiver

    @staticmethod
    def _stop_wal_streaming(receiver) -> None:
        """After granian: no commit waits any more, so a synchronous standby can go first, then the
        receiver (a server left listing it would hang every commit of the next run without it)."""
        from natjoub.backup import config, streaming

        if settings.BACKUP_SYNCHRONOUS:
            streaming.set_synchronous(config.server_params(), False)
        streaming.stop(receiver)

    @staticmethod
    def _metrics_dir() -> tuple[Path, bool]:
        """The workers' shared metrics folder, and whether this process created it."""
        configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        path = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="natjoub-metrics-"))
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):  # counters of a previous run must not leak into this one
            stale.unlink()
        return path, not configured

    def _announce(self, port: int) -> None:
        base = f"http://127.0.0.1:{port}"
        lines = [
            f"NatJoub is starting on {base} (Ctrl-C to stop)",
            f"  API docs:  {base}/api/docs/   (Redoc: {base}/api/redoc/)",
            f"  Admin:     {base}/admin/",
            f"  Health:    {base}/health/ready   Metrics: {base}/metrics",
        ]
        if not settings.PRODUCTION and "seed_demo" in get_commands():
            lines.append("  Demo sign-ins (e-mail / password):")
            lines += [f"    {role:<9} {email} / {password}" for role, email, password in DEMO_SIGN_INS]
        self.stdout.write("\n".join(lines))
