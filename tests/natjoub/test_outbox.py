"""The transactional mail outbox (docs/architecture.md §3.12) against the real PostgreSQL and a real
SMTP sink: mail exists iff its transaction committed, is sent once even by concurrent senders, is
retried while SMTP is down and given up after the configured attempts; the delivery thread of
``serve`` wakes on NOTIFY."""

from __future__ import annotations

import os
import signal
import threading
from io import StringIO

import pytest
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import Client, override_settings
from django.utils import timezone

from auth_app.models import RoleName
from natjoub import outbox
from natjoub.metrics import render_latest
from natjoub.models import OutboxMail
from natjoub.registry import MailKind, mail_kinds
from natjoub.serving.mail import MailDelivery
from tests.auth_app.test_email_smtp import free_port, smtp  # noqa: F401 - the SMTP sink fixture
from tests.factories import make_user
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)  # real commits: the outbox is about them

KIND = "test.note"
DEAD_SMTP = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
    }
}
renders: list[int] = []


def render(payloads: list[dict]) -> list[list[EmailMessage]]:
    renders.append(len(payloads))
    return [[EmailMessage(f"Note {p['n']}", "body", "noreply@natjoub.local", [p["to"]])] for p in payloads]


@pytest.fixture(autouse=True)
def note_kind():
    mail_kinds.register(MailKind(KIND, render))
    renders.clear()
    yield
    mail_kinds.unregister(KIND)


def subjects(inbox) -> list[str]:
    return sorted(m["Subject"] for m in inbox.messages)


def enqueue_committed(n: int) -> None:
    with transaction.atomic():
        for i in range(n):
            outbox.enqueue(KIND, {"n": i, "to": f"user{i}@example.com"})


def enqueue_rolled_back() -> None:
    with transaction.atomic():
        outbox.enqueue(KIND, {"n": 1, "to": "a@example.com"})
        raise RuntimeError("the write failed")


@override_settings(MAIL_OUTBOX_DELIVERY="serve")
def test_a_mail_of_a_rolled_back_transaction_is_never_sent(smtp):  # noqa: F811
    with pytest.raises(RuntimeError):
        enqueue_rolled_back()
    assert outbox.deliver_all().claimed == 0
    assert not OutboxMail.objects.exists()
    assert smtp.messages == []


@override_settings(MAIL_OUTBOX_DELIVERY="serve")
def test_a_committed_mail_waits_for_delivery_then_is_sent_once(smtp):  # noqa: F811
    enqueue_committed(1)
    assert smtp.messages == []  # the committing process sends nothing itself
    row = OutboxMail.objects.get()
    assert (row.kind, row.payload) == (KIND, {"n": 0, "to": "user0@example.com"})
    assert (row.status, row.attempts) == ("pending", 0)
    done = outbox.deliver_pending()
    assert (done.claimed, done.sent, done.failed) == (1, 1, 0)
    assert outbox.deliver_pending().claimed == 0
    assert subjects(smtp) == ["Note 0"]
    row.refresh_from_db()
    assert row.status == "sent"
    assert row.attempts == 1


def test_inline_delivery_sends_at_commit(smtp):  # noqa: F811 - the test settings: inline and eager
    enqueue_committed(2)
    assert subjects(smtp) == ["Note 0", "Note 1"]
    assert not OutboxMail.objects.filter(sent_at__isnull=True).exists()


@override_settings(MAIL_OUTBOX_DELIVERY="serve")
def test_a_batch_is_rendered_once_and_sent_over_one_connection(smtp, monkeypatch):  # noqa: F811
    from django.core.mail.backends.smtp import EmailBackend

    opened = []  # open() answers True when it made a new connection, False when one was open
    real_open = EmailBackend.open
    monkeypatch.setattr(EmailBackend, "open", lambda self: opened.append(real_open(self)) or opened[-1])
    enqueue_committed(5)
    assert outbox.deliver_pending().sent == 5
    assert renders == [5]
    assert opened.count(True) == 1
    assert len(smtp.messages) == 5


@override_settings(MAIL_OUTBOX_DELIVERY="serve")
def test_two_concurrent_senders_send_each_mail_exactly_once(smtp):  # noqa: F811
    enqueue_committed(120)
    start = threading.Barrier(2)
    results: list[outbox.Delivery] = []

    def sender():
        try:
            start.wait()
            results.append(outbox.deliver_all(limit=7))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in results) == 120
    assert subjects(smtp) == sorted(f"Note {i}" for i in range(120))  # each once
    assert not OutboxMail.objects.filter(sent_at__isnull=True).exists()


@override_settings(MAIL_OUTBOX_DELIVERY="serve", MAIL_OUTBOX_MAX_ATTEMPTS=3)
def test_smtp_down_is_retried_with_backoff_then_sent(smtp, caplog, settings):  # noqa: F811
    sink = settings.MAILERS
    enqueue_committed(2)
    settings.MAILERS = DEAD_SMTP
    done = outbox.deliver_pending()
    assert (done.claimed, done.sent, done.failed, done.given_up) == (2, 0, 2, 0)
    row = OutboxMail.objects.order_by("id").first()
    assert row.status == "pending"
    assert row.attempts == 1
    assert row.last_error.startswith("ConnectionRefusedError")
    assert row.next_attempt_at > timezone.now()  # backoff: not due again at once
    assert outbox.deliver_pending().claimed == 0
    assert "retried later" in caplog.text

    settings.MAILERS = sink  # the server is back; the retry comes due
    OutboxMail.objects.update(next_attempt_at=timezone.now())
    assert outbox.deliver_pending().sent == 2
    assert subjects(smtp) == ["Note 0", "Note 1"]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")


@override_settings(MAIL_OUTBOX_DELIVERY="serve", MAIL_OUTBOX_MAX_ATTEMPTS=2)
def test_given_up_after_the_last_attempt_shown_then_requeued_by_the_command(smtp, settings):  # noqa: F811
    sink = settings.MAILERS
    enqueue_committed(1)
    settings.MAILERS = DEAD_SMTP
    assert outbox.deliver_pending().failed == 1
    OutboxMail.objects.update(next_attempt_at=timezone.now())
    assert outbox.deliver_pending().given_up == 1
    row = OutboxMail.objects.get()
    assert row.status == "failed"
    OutboxMail.objects.update(next_attempt_at=timezone.now())
    assert outbox.deliver_pending().claimed == 0  # failed for good: never claimed again
    assert b"natjoub_mail_outbox_failed 1.0" in render_latest()[0]
    assert b"natjoub_mail_outbox_pending 0.0" in render_latest()[0]

    back_office = Client()
    back_office.force_login(make_user(RoleName.ADMIN))
    page = back_office.get("/admin/natjoub/outboxmail/", {"status": "failed"}).content.decode()
    assert "ConnectionRefusedError" in page  # staff see the failed mail and why
    assert back_office.get(f"/admin/natjoub/outboxmail/{row.pk}/change/").status_code == 200
    assert back_office.get("/admin/natjoub/outboxmail/add/").status_code == 403  # read-only
    assert "ConnectionRefused" not in back_office.get("/admin/natjoub/outboxmail/", {"status": "sent"}).content.decode()

    settings.MAILERS = sink
    out = StringIO()
    call_command("deliver_mail", "--retry-failed", stdout=out)
    assert "Re-queued 1" in out.getvalue()
    assert "Sent 1, failed 0" in out.getvalue()
    assert subjects(smtp) == ["Note 0"]


@override_settings(MAIL_OUTBOX_DELIVERY="serve")
def test_a_failing_renderer_fails_its_own_events_only(smtp):  # noqa: F811
    def picky(payloads):
        if any(p["n"] == 1 for p in payloads):
            raise ValueError("cannot render")
        return render(payloads)

    mail_kinds.unregister(KIND)
    mail_kinds.register(MailKind(KIND, picky))
    enqueue_committed(3)
    done = outbox.deliver_pending()
    assert (done.sent, done.failed) == (2, 1)
    assert subjects(smtp) == ["Note 0", "Note 2"]
    assert OutboxMail.objects.get(payload__n=1).last_error == "rendering failed"


def test_an_unregistered_kind_is_refused_in_the_transaction():
    with pytest.raises(ValueError, match="no mail renderer"):
        outbox.enqueue("nobody.registered", {})


@override_settings(MAIL_OUTBOX_DELIVERY="serve")
def test_the_maintenance_job_delivers_leftovers_and_purges_old_rows(smtp):  # noqa: F811
    enqueue_committed(2)
    OutboxMail.objects.filter(payload__n=0).update(sent_at=timezone.now() - timezone.timedelta(days=8))
    assert outbox.MAINTENANCE_JOB.run() == {"mails_sent": 1, "mails_failed": 0, "outbox_rows_purged": 1}
    assert subjects(smtp) == ["Note 1"]


@override_settings(MAIL_OUTBOX_DELIVERY="serve", BACKGROUND_TASKS_EAGER=False)
def test_the_delivery_thread_wakes_on_notify(smtp):  # noqa: F811
    delivery = MailDelivery(poll=3600).start()  # no poll within the test: only a NOTIFY wakes it
    try:
        wait_for(lambda: delivery.rounds >= 1 and delivery._listener is not None)
        enqueue_committed(1)
        wait_for(lambda: len(smtp.messages) == 1)
        assert subjects(smtp) == ["Note 0"]
    finally:
        delivery.stop()
    assert not delivery._thread.is_alive()
    assert OutboxMail.objects.get().status == "sent"


@override_settings(MAIL_OUTBOX_DELIVERY="serve", BACKGROUND_TASKS_EAGER=False)
def test_the_delivery_thread_listens_again_after_losing_its_connection(smtp, monkeypatch):  # noqa: F811
    monkeypatch.setattr("natjoub.serving.mail.RECONNECT_SECONDS", 0.2)
    delivery = MailDelivery(poll=3600).start()
    try:
        wait_for(lambda: delivery._listener is not None)
        lost = delivery._listener
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [lost.info.backend_pid])
        wait_for(lambda: delivery._listener is not None and delivery._listener is not lost)
        enqueue_committed(1)
        wait_for(lambda: len(smtp.messages) == 1)
    finally:
        delivery.stop()
    assert subjects(smtp) == ["Note 0"]


@override_settings(MAIL_OUTBOX_DELIVERY="serve", BACKGROUND_TASKS_EAGER=False)
def test_deliver_mail_follow_delivers_until_sigterm(smtp):  # noqa: F811
    enqueue_committed(1)
    before = signal.getsignal(signal.SIGTERM)

    def stop_when_sent():
        wait_for(lambda: len(smtp.messages) == 1)
        os.kill(os.getpid(), signal.SIGTERM)

    stopper = threading.Thread(target=stop_when_sent)
    stopper.start()
    out = StringIO()
    call_command("deliver_mail", "--follow", stdout=out)
    stopper.join()
    assert out.getvalue().splitlines()[-1] == "Stopped."
    assert signal.getsignal(signal.SIGTERM) == before
    assert subjects(smtp) == ["Note 0"]


def test_the_trigger_notifies_at_commit_only():
    with connection.cursor() as cursor:
        cursor.execute(f"LISTEN {outbox.CHANNEL}")
    try:
        with pytest.raises(RuntimeError):
            enqueue_rolled_back()
        raw = connection.connection
        assert list(raw.notifies(timeout=0.2)) == []
        with override_settings(MAIL_OUTBOX_DELIVERY="serve"):
            enqueue_committed(3)
        assert [n.channel for n in raw.notifies(timeout=1, stop_after=1)] == [outbox.CHANNEL]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("UNLISTEN *")
