"""The transactional mail outbox (docs/architecture.md §3.12).

A service that must send mail calls :func:`enqueue` inside its transaction: one INSERT of the
event (a kind such as ``order.placed`` and a small JSON payload of ids, never a secret). The row
exists iff the transaction committed, so mail is "sent after the database transaction commits"
(docs/api.md §7) and is not lost when the process dies after the commit; the table's trigger
(natjoub 0005) NOTIFYs ``natjoub_mail_outbox``, which PostgreSQL delivers at commit.

:func:`deliver_pending` sends due events: it claims a batch in one statement (``FOR UPDATE SKIP
LOCKED`` moves their ``next_attempt_at`` a lease ahead and counts the attempt, so several
``serve`` nodes never send one mail twice and no transaction stays open during SMTP), renders each
kind's events with the renderer its app registered (natjoub.registry.mail_kinds, batch-aware), sends
every message through ONE SMTP connection and marks the sent rows. A failed event is retried with
exponential backoff and left as *failed* after ``MAIL_OUTBOX_MAX_ATTEMPTS`` (visible in the back
office, ``manage.py deliver_mail --retry-failed`` re-queues them). A sender that dies mid-batch
leaves its rows claimed until the lease ends: they are sent again then (at least once, never lost).

Who calls it: the delivery thread of ``manage.py serve`` (natjoub/serving/mail.py), the
``mail_outbox`` maintenance job, ``manage.py deliver_mail``, and with ``MAIL_OUTBOX_DELIVERY =
"inline"`` the committing process itself (its background threads; at once with
``BACKGROUND_TASKS_EAGER``). Delivery never changes a response (docs/api.md §7).
"""

from __future__ import annotations

import contextlib
import json
import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import mailers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from natjoub.background import after_response
from natjoub.db.sql import render, sql, table
from natjoub.models import OutboxMail
from natjoub.registry import MaintenanceJob, mail_kinds

logger = logging.getLogger("natjoub.outbox")

CHANNEL = "natjoub_mail_outbox"  # the trigger's channel (natjoub 0005)
BATCH = 100
LEASE_SECONDS = 300  # a claimed event whose sender died is due again after this
BACKOFF_SECONDS = 30  # after the n-th failed attempt: 30 s × 2^(n-1), at most an hour
BACKOFF_MAX_SECONDS = 3600
KEEP_SENT_DAYS = 7
KEEP_FAILED_DAYS = 30

_T = table(OutboxMail)
INSERT = render(sql.SQL("INSERT INTO {} (kind, payload) VALUES (%s, %s::jsonb) RETURNING id").format(_T))
_CLAIM = """
UPDATE {t} SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => %(lease)s)
WHERE id IN (
    SELECT id FROM {t}
    WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now() {only}
    ORDER BY next_attempt_at, id LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
RETURNING id, kind, payload, attempts
"""
CLAIM_DUE = render(sql.SQL(_CLAIM).format(t=_T, only=sql.SQL("")))
CLAIM_IDS = render(sql.SQL(_CLAIM).format(t=_T, only=sql.SQL("AND id = ANY(%(ids)s)")))
MARK_SENT = render(sql.SQL("UPDATE {} SET sent_at = now(), last_error = '' WHERE id = ANY(%s)").format(_T))
MARK_FAILED = render(
    sql.SQL(
        "UPDATE {} SET last_error = %(error)s, "
        "next_attempt_at = now() + make_interval(secs => least(%(base)s * power(2, attempts - 1), %(cap)s)), "
        "failed_at = CASE WHEN attempts >= %(max)s THEN now() END "
        "WHERE id = ANY(%(ids)s) RETURNING id, kind, attempts, failed_at IS NOT NULL"
    ).format(_T)
)
PURGE = render(
    sql.SQL(
        "DELETE FROM {} WHERE sent_at < now() - make_interval(days => %s) "
        "OR failed_at < now() - make_interval(days => %s)"
    ).format(_T)
)
RETRY_FAILED = render(
    sql.SQL(
        "UPDATE {} SET failed_at = NULL, attempts = 0, next_attempt_at = now() "
        "WHERE failed_at IS NOT NULL AND sent_at IS NULL"
    ).format(_T)
)


def enqueue(kind: str, payload: dict, *, using: str = DEFAULT_DB_ALIAS) -> int:
    """Store a mail event in the caller's transaction (one INSERT); returns its id. ``payload``:
    ids and flags the renderer needs, never a secret (it is stored as is and shown to admins)."""
    if mail_kinds.get(kind) is None:
        raise ValueError(f"no mail renderer registered for {kind!r}")  # a programming error: fail the write
    with connections[using].cursor() as cursor:
        cursor.execute(INSERT, [kind, json.dumps(payload, cls=DjangoJSONEncoder)])
        row_id = cursor.fetchone()[0]
    if settings.MAIL_OUTBOX_DELIVERY == "inline":
        transaction.on_commit(lambda: after_response(lambda: deliver_pending(ids=[row_id], using=using)), using=using)
    return row_id


@dataclass
class Delivery:
    """What one :func:`deliver_pending` call did: events claimed, sent, failed (to be retried) and
    given up (failed for good)."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    given_up: int = 0
    errors: list[str] = field(default_factory=list)

    def __iadd__(self, other: Delivery) -> Delivery:
        self.claimed += other.claimed
        self.sent += other.sent
        self.failed += other.failed
        self.given_up += other.given_up
        self.errors += other.errors
        return self


@dataclass
class _Event:
    id: int
    kind: str
    payload: dict
    attempts: int
    messages: list = field(default_factory=list)


def describe(exc: BaseException) -> str:
    """An error as stored and logged: its type, and an SMTP reply code or an OS error's text; never
    the server's reply text or a message (they could echo an address or a body)."""
    name = type(exc).__name__
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{name} {exc.smtp_code}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{name}: {exc.strerror}"[:500]
    return name


def _claim(limit: int, ids: list[int] | None, using: str) -> list[_Event]:
    params = {"lease": LEASE_SECONDS, "limit": limit, "ids": ids}
    with connections[using].cursor() as cursor:
        cursor.execute(CLAIM_DUE if ids is None else CLAIM_IDS, params)
        rows = cursor.fetchall()
    events = [
        _Event(row_id, kind, payload if isinstance(payload, dict) else json.loads(payload), attempts)
        for row_id, kind, payload, attempts in rows
    ]
    return sorted(events, key=lambda event: event.id)


def _render(kind: str, events: list[_Event], failures: dict[str, list[int]]) -> list[_Event]:
    """Fill each event's messages; an event whose rendering fails goes to ``failures``. A batch
    that fails is rendered event by event, so one bad event does not hold back the others."""
    entry = mail_kinds.get(kind)
    if entry is None:
        failures["no renderer registered for this kind"] += [event.id for event in events]
        return []
    try:
        rendered = entry.render([event.payload for event in events])
        if len(rendered) != len(events):
            raise ValueError("the renderer returned a list of another length")
    except Exception:
        if len(events) == 1:
            logger.exception("mail %s #%s: rendering failed", kind, events[0].id)
            failures["rendering failed"].append(events[0].id)
            return []
        return [done for event in events for done in _render(kind, [event], failures)]
    for event, messages in zip(events, rendered, strict=True):
        event.messages = list(messages)
    return events


def _send(events: list[_Event], failures: dict[str, list[int]]) -> list[int]:
    """Every event's messages through one SMTP connection; returns the ids sent."""
    sent: list[int] = []
    if not any(event.messages for event in events):
        return [event.id for event in events]
    try:
        connection = mailers.default  # a new backend instance: opened once for the whole batch
        connection.open()
    except Exception as exc:
        failures[describe(exc)] += [event.id for event in events]
        return sent
    try:
        for position, event in enumerate(events):
            if not event.messages:
                sent.append(event.id)
                continue
            try:
                connection.send_messages(event.messages)
            except (smtplib.SMTPServerDisconnected, OSError) as exc:  # the connection is gone: the rest fail too
                failures[describe(exc)] += [e.id for e in events[position:]]
                break
            except Exception as exc:  # this event only (a refused recipient, …)
                failures[describe(exc)].append(event.id)
            else:
                sent.append(event.id)
    finally:
        with contextlib.suppress(Exception):  # a close that fails changes nothing that was sent
            connection.close()
    return sent


def deliver_pending(limit: int = BATCH, *, ids: list[int] | None = None, using: str = DEFAULT_DB_ALIAS) -> Delivery:
    """Claim up to ``limit`` due events (only ``ids`` when given), send them, record the outcome.
    Runs in autocommit: each step commits on its own, no transaction spans the SMTP conversation."""
    events = _claim(limit, ids, using)
    result = Delivery(claimed=len(events))
    if not events:
        return result
    failures: dict[str, list[int]] = defaultdict(list)
    by_kind: dict[str, list[_Event]] = defaultdict(list)
    for event in events:
        by_kind[event.kind].append(event)
    ready = [done for kind, batch in by_kind.items() for done in _render(kind, batch, failures)]
    sent = _send(sorted(ready, key=lambda event: event.id), failures)
    with connections[using].cursor() as cursor:
        if sent:
            cursor.execute(MARK_SENT, [sent])
        for error, failed_ids in failures.items():
            cursor.execute(
                MARK_FAILED,
                {
                    "error": error[:500],
                    "base": BACKOFF_SECONDS,
                    "cap": BACKOFF_MAX_SECONDS,
                    "max": settings.MAIL_OUTBOX_MAX_ATTEMPTS,
                    "ids": failed_ids,
                },
            )
            for row_id, kind, attempts, gave_up in cursor.fetchall():
                if gave_up:
                    result.given_up += 1
                    logger.error("mail %s #%s given up after %s attempts: %s", kind, row_id, attempts, error)
                else:
                    result.failed += 1
                    logger.warning("mail %s #%s failed (attempt %s, retried later): %s", kind, row_id, attempts, error)
            result.errors.append(error)
    result.sent = len(sent)
    return result


def deliver_all(limit: int = BATCH, *, max_batches: int = 1000, using: str = DEFAULT_DB_ALIAS) -> Delivery:
    """Batches of ``limit`` until nothing is due (or ``max_batches``, so a job ends)."""
    total = Delivery()
    for _ in range(max_batches):
        done = deliver_pending(limit, using=using)
        total += done
        if done.claimed < limit:
            break
    return total


def retry_failed(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """Re-queue the events given up on (attempts from zero); returns how many."""
    with connections[using].cursor() as cursor:
        cursor.execute(RETRY_FAILED)
        return cursor.rowcount


def purge(*, using: str = DEFAULT_DB_ALIAS) -> int:
    with connections[using].cursor() as cursor:
        cursor.execute(PURGE, [KEEP_SENT_DAYS, KEEP_FAILED_DAYS])
        return cursor.rowcount


def pending_count() -> int:
    return OutboxMail.objects.using(DEFAULT_DB_ALIAS).filter(sent_at__isnull=True, failed_at__isnull=True).count()


def failed_count() -> int:
    return OutboxMail.objects.using(DEFAULT_DB_ALIAS).filter(failed_at__isnull=False, sent_at__isnull=True).count()


def _maintenance() -> dict[str, int]:
    done = deliver_all()
    return {"mails_sent": done.sent, "mails_failed": done.failed + done.given_up, "outbox_rows_purged": purge()}


# After the jobs that enqueue mail (expired orders) so their mail leaves in the same round; it
# also delivers what a deployment without serve's delivery thread left (docs/operations.md).
MAINTENANCE_JOB = MaintenanceJob(
    "mail_outbox",
    "Send the due e-mail of the outbox (retries included); delete sent rows after 7 days, failed after 30",
    _maintenance,
    order=90,
)
GAUGES = (
    ("natjoub_mail_outbox_pending", "E-mail events of the outbox not sent yet (due or retried later)", pending_count),
    ("natjoub_mail_outbox_failed", "E-mail events of the outbox given up after every attempt", failed_count),
)
