"""Order e-mail over a real SMTP connection (docs/api.md §37.10), after commit through the mail
outbox; the pickup code only in the ready mail to the customer, never in a log line or the outbox."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from auth_app.models import RoleName
from natjoub.models import OutboxMail
from natjoub.serving.mail import MailDelivery
from order_app.models import Order
from tests.auth_app.test_email_smtp import body_of, smtp  # noqa: F401 - the SMTP sink fixture
from tests.factories import make_branch, make_user
from tests.helpers import wait_for
from tests.order_app.conftest import ORDERS, act, placed
from tests.order_app.test_read import seller_at

pytestmark = pytest.mark.django_db(transaction=True)  # real commits: mail goes out on_commit


def mails(inbox, subject_prefix: str = "") -> list[tuple[str, str, str]]:
    return [(m["To"], m["Subject"], body_of(m)) for m in inbox.messages if m["Subject"].startswith(subject_prefix)]


def test_the_mails_of_an_order(shop, customer, smtp, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    admin = make_user(RoleName.ADMIN, email="boss@example.com")
    seller = seller_at(shop.branch)
    seller_at(make_branch("BR-X", "Elsewhere"))  # a seller without the branch gets nothing
    order = placed(customer, shop.branch, (shop.mouse, 2), (shop.laptop, 1))
    number = order["number"]
    received = mails(smtp, f"Order {number} received")
    assert [(to, subject) for to, subject, _ in received] == [("cora@example.com", f"Order {number} received")]
    body = received[0][2]
    for text in ("Downtown Store", "2 x Mouse (MOU-1)", "1 x Laptop (LAP-1)", "Total: 1038.99 USD"):
        assert text in body
    assert order["pickupCode"] not in body
    staff = mails(smtp, f"New order {number} at Downtown Store")
    assert sorted(to for to, _, _ in staff) == sorted([admin.credentials.email, seller.user.credentials.email])

    assert act(seller, order, "confirm").status_code == 200
    assert act(seller, order, "ready").status_code == 200
    [(to, _, body)] = mails(smtp, f"Order {number} is ready for pickup")
    assert to == "cora@example.com"
    assert f"Pickup code: {order['pickupCode']}" in body.splitlines()
    assert act(seller, order, "cancel", {"reason": "NOT_COLLECTED"}).status_code == 200
    [(to, _, body)] = mails(smtp, f"Order {number} cancelled")
    assert to == "cora@example.com"
    assert "Not collected" in body

    every_mail = [m for m in smtp.messages if order["pickupCode"] in body_of(m)]
    assert [m["Subject"] for m in every_mail] == [f"Order {number} is ready for pickup"]
    code = re.compile(rf"(?<![0-9a-f]){order['pickupCode']}(?![0-9a-f])")
    ours = [r for r in caplog.records if not r.name.startswith("mail.")]  # aiosmtpd (the sink) logs what it gets
    assert ours
    assert not [r.getMessage() for r in ours if code.search(r.getMessage())]


def test_an_expired_order_is_mailed(shop, customer, smtp):  # noqa: F811
    order = placed(customer, shop.branch, (shop.mouse, 1))
    Order.objects.filter(pk=order["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert customer.get(f"{ORDERS}/{order['id']}").json()["data"]["status"] == "EXPIRED"
    [(to, _, body)] = mails(smtp, f"Order {order['number']} expired")
    assert to == "cora@example.com"
    assert "not confirmed in time" in body


def test_a_mail_failure_changes_nothing(shop, customer, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1},
        }
    }
    order = placed(customer, shop.branch, (shop.mouse, 1))
    assert Order.objects.get(pk=order["id"]).status == "PLACED"
    event = OutboxMail.objects.get()  # kept for a retry, the error without the server's words
    assert (event.status, event.attempts) == ("pending", 1)
    assert event.last_error == "ConnectionRefusedError: Connection refused"


@override_settings(MAIL_OUTBOX_DELIVERY="serve", BACKGROUND_TASKS_EAGER=False)
def test_a_placement_stores_its_mail_and_the_serve_thread_sends_it(shop, customer, smtp):  # noqa: F811
    """The web worker only stores the event (docs/architecture.md §3.12); the delivery thread of
    ``serve``, woken by the commit's NOTIFY (its poll never comes within the test), sends it."""
    seller = seller_at(shop.branch)
    order = placed(customer, shop.branch, (shop.mouse, 1))
    [event] = OutboxMail.objects.all()
    assert (event.kind, event.payload, event.status) == ("order.placed", {"order_id": order["id"]}, "pending")
    assert order["pickupCode"] not in str(event.payload)
    assert smtp.messages == []  # nothing sent by the request's process

    delivery = MailDelivery(poll=3600).start()
    try:
        wait_for(lambda: delivery.rounds >= 1)
        assert len(smtp.messages) == 2  # the first round sent what was waiting
        wait_for(lambda: delivery._listener is not None)
        again = placed(customer, shop.branch, (shop.cable, 2))
        wait_for(lambda: len(smtp.messages) == 4)
    finally:
        delivery.stop()
    assert [to for to, _, _ in mails(smtp, f"Order {again['number']} received")] == ["cora@example.com"]
    staff = mails(smtp, f"New order {again['number']} at Downtown Store")
    assert [to for to, _, _ in staff] == [seller.user.credentials.email]
    assert "2 x Cable (CAB-1)" in staff[0][2]
    assert not OutboxMail.objects.filter(sent_at__isnull=True).exists()


def test_confirm_and_fulfil_store_no_mail(shop, customer, admin_client):
    order = placed(customer, shop.branch, (shop.mouse, 1))
    assert act(admin_client, order, "confirm").status_code == 200
    assert act(admin_client, order, "fulfil", {"pickupCode": order["pickupCode"]}).status_code == 200
    assert list(OutboxMail.objects.order_by("id").values_list("kind", flat=True)) == ["order.placed"]
