"""The mail-delivery thread of ``manage.py serve`` (docs/architecture.md §3.12).

One daemon thread of the serve process, not of the granian workers, so building and sending the
mail of the outbox (natjoub/outbox.py) costs the workers that answer requests nothing. It LISTENs
on ``natjoub_mail_outbox`` on a connection of its own (psycopg, autocommit): the outbox's trigger
NOTIFYs at each commit that stored mail, so a placement's mail leaves within moments; it also
delivers every ``MAIL_OUTBOX_POLL_SECONDS`` (retries that came due, a lost notification, a
database reached through a transaction-mode pooler, where LISTEN does not work and the thread only
polls). Several serve nodes may run it: the claim skips what another node holds.

Nothing of it blocks a stop for long: it waits in slices of ``TICK`` seconds, and ``stop()`` waits
briefly for a batch in flight; an event claimed by a batch cut short is sent again when its lease
ends (natjoub/outbox.py).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.postgresql import base as pg_base

from natjoub import outbox

logger = logging.getLogger("natjoub.outbox")

TICK = 0.5  # how long one wait lasts at most: the stop flag is seen this soon
RECONNECT_SECONDS = 5.0  # between attempts to LISTEN again (polling meanwhile)


def listen_connection(alias: str = DEFAULT_DB_ALIAS) -> psycopg.Connection:
    """A new autocommit connection, with the alias's parameters, listening on the outbox channel."""
    params = pg_base.DatabaseWrapper.get_connection_params(connections[alias])
    params.pop("cursor_factory", None)
    params.pop("context", None)
    conn = psycopg.connect(**params, autocommit=True)
    try:
        conn.execute(f"LISTEN {outbox.CHANNEL}")
    except BaseException:
        conn.close()
        raise
    return conn


class MailDelivery:
    """A daemon thread delivering the outbox: at start, on every notification, every ``poll``
    seconds. ``listen=False``: poll only (a transaction-mode pooler in front of PostgreSQL)."""

    def __init__(self, poll: float, *, listen: bool = True, batch: int = outbox.BATCH) -> None:
        self.poll = poll
        self.listen = listen
        self.batch = batch
        self.rounds = 0  # delivery rounds done (tests wait on it)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="natjoub-mail", daemon=True)
        self._listener: psycopg.Connection | None = None
        self._retry_listen_at = 0.0

    def start(self) -> MailDelivery:
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stopped.set()
        self._thread.join(timeout)

    def alive(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _loop(self) -> None:
        try:
            while not self._stopped.is_set():
                try:
                    self._ensure_listener()
                    self._deliver()
                    if not self._wait():  # idle for a whole poll interval: give the connection back
                        self._close_django()
                except Exception:  # the thread outlives any one failure; the next round retries
                    logger.exception("mail delivery thread")
                    self._stopped.wait(RECONNECT_SECONDS)
        finally:
            self._close_listener()
            self._close_django()

    def _deliver(self) -> None:
        try:
            done = outbox.deliver_all(self.batch)
            if done.claimed:
                logger.info(
                    "mail delivery",
                    extra={"sent": done.sent, "failed": done.failed, "given_up": done.given_up},
                )
        except Exception:
            logger.exception("mail delivery round failed")  # the database is away: the next round retries
            self._close_django()
        self.rounds += 1

    def _wait(self) -> bool:
        """Until a notification (True), the poll interval's end or a stop (False)."""
        deadline = time.monotonic() + self.poll
        while not self._stopped.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self._listener is None:
                if self.listen and time.monotonic() >= self._retry_listen_at:
                    return True  # listen again, then a round for what was notified meanwhile
                self._stopped.wait(min(TICK, remaining))
                continue
            try:
                if any(True for _ in self._listener.notifies(timeout=min(TICK, remaining), stop_after=1)):
                    for _ in self._listener.notifies(timeout=0.01):  # the ones queued meanwhile: one round for all
                        pass
                    return True
            except psycopg.Error as exc:
                logger.warning("mail notifications lost, polling until reconnected: %s", type(exc).__name__)
                self._close_listener()
        return False

    def _ensure_listener(self) -> None:
        if not self.listen or self._listener is not None or time.monotonic() < self._retry_listen_at:
            return
        try:
            self._listener = listen_connection()
        except Exception as exc:
            logger.warning("cannot LISTEN for mail (polling meanwhile): %s", type(exc).__name__)
            self._retry_listen_at = time.monotonic() + RECONNECT_SECONDS

    def _close_listener(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):  # a broken connection is gone either way
                self._listener.close()
            self._listener = None
            self._retry_listen_at = time.monotonic() + RECONNECT_SECONDS

    @staticmethod
    def _close_django() -> None:
        """This thread's connections, and the pools, as the housekeeping thread leaves them."""
        for connection in connections.all(initialized_only=True):
            try:
                connection.close()
                if hasattr(connection, "close_pool"):
                    connection.close_pool()
            except Exception as exc:
                logger.warning("closing the mail thread's connection failed: %s", type(exc).__name__)


def from_settings() -> MailDelivery:
    """As ``serve`` runs it: LISTEN unless the database is reached through a transaction pooler."""
    return MailDelivery(settings.MAIL_OUTBOX_POLL_SECONDS, listen=not settings.DATABASE_TRANSACTION_POOLING)
