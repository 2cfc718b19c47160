"""``manage.py deliver_mail``: send the due mail of the outbox now (docs/operations.md, "E-mail
delivery"); ``--retry-failed`` first re-queues the events given up on, ``--status`` only counts,
``--follow`` keeps delivering like ``serve``'s thread (a mail process of its own) until stopped."""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand

from natjoub import outbox
from natjoub.serving import mail


class Command(BaseCommand):
    help = (
        "Send the due e-mail of the outbox (what serve's delivery thread does continuously), in batches "
        "over one SMTP connection each, until nothing is due. Failures are retried later with backoff. "
        "--retry-failed re-queues the events given up on first; --status prints the counts and exits. "
        "Exit status 1 if an event failed in this run. --follow runs serve's delivery thread in the "
        "foreground until SIGINT/SIGTERM (for a deployment whose web servers are not `serve`)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", type=int, default=outbox.BATCH, help=f"events per batch (default {outbox.BATCH})"
        )
        parser.add_argument("--retry-failed", action="store_true", help="re-queue the events given up on first")
        parser.add_argument("--status", action="store_true", help="print pending and failed counts and exit")
        parser.add_argument("--follow", action="store_true", help="keep delivering (LISTEN/NOTIFY) until stopped")

    def handle(self, *args, **options):
        if options["status"]:
            self.stdout.write(f"pending: {outbox.pending_count()}, failed: {outbox.failed_count()}")
            return
        if options["follow"]:
            self._follow()
            return
        if options["retry_failed"]:
            self.stdout.write(f"Re-queued {outbox.retry_failed()} failed e-mail event(s).")
        done = outbox.deliver_all(max(1, options["batch"]))
        line = f"Sent {done.sent}, failed {done.failed} (retried later), given up {done.given_up}."
        if done.failed or done.given_up:
            self.stderr.write(line + " Errors: " + ", ".join(sorted(set(done.errors))))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(line))

    def _follow(self) -> None:
        def interrupt(signum, frame):
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, interrupt)
        delivery = mail.from_settings().start()
        self.stdout.write("Delivering the outbox's mail until stopped (Ctrl-C).")
        self.stdout.flush()
        try:
            while delivery.alive():
                delivery.join(1.0)
        except KeyboardInterrupt:
            pass
        finally:
            delivery.stop()
            signal.signal(signal.SIGTERM, previous)
        self.stdout.write("Stopped.")
