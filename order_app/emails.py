"""Order e-mail (docs/api.md §37.10) through the core's mail outbox (docs/architecture.md §3.12):
an action stores one event (``order.placed``, …, payload: the order id) in its own transaction,
so the mail exists iff the action committed and is sent by the outbox's delivery, off the web
workers; a failure is logged (never the pickup code), retried, and never changes a response.

The messages are built when the event is delivered, from the order as stored (its snapshots do
not change) and the branch's staff at that moment, a batch of events at a time: one query for the
orders, one for their lines, one set for the staff of all their branches. The pickup code goes
only into the ready mail to the order's customer."""

from __future__ import annotations

import uuid
from collections import defaultdict
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import DEFAULT_DB_ALIAS
from django.template.loader import render_to_string

from inventory_app.selectors.access import staff_emails_for_branches
from natjoub import outbox
from natjoub.registry import MailKind

CUSTOMER_MAILS = {
    "placed": ("Order {number} received", "emails/orders/placed.txt"),
    "ready": ("Order {number} is ready for pickup", "emails/orders/ready.txt"),
    "cancelled": ("Order {number} cancelled", "emails/orders/cancelled.txt"),
    "expired": ("Order {number} expired", "emails/orders/expired.txt"),
}
WITH_LINES = {"placed"}  # the templates that list the lines
STAFF_SUBJECT = "New order {number} at {branch}"
PRIMARY = DEFAULT_DB_ALIAS  # an order committed a moment ago may not be on a replica yet


def kind_of(event: str) -> str:
    return f"order.{event}"


def enqueue(event: str, order_id: uuid.UUID) -> None:
    """Inside the action's transaction: the event's mail, if it has one (confirm and fulfil do not)."""
    if event in CUSTOMER_MAILS:
        outbox.enqueue(kind_of(event), {"order_id": str(order_id)})


def messages_for(event: str, order, lines: list, staff: list[str]) -> list[EmailMessage]:
    subject, template = CUSTOMER_MAILS[event]
    context = {"order": order, "lines": lines}
    sender = settings.DEFAULT_FROM_EMAIL
    messages = [
        EmailMessage(
            subject.format(number=order.number), render_to_string(template, context), sender, [order.customer_email]
        )
    ]
    if event == "placed":
        body = render_to_string("emails/orders/new_order.txt", context)
        subject = STAFF_SUBJECT.format(number=order.number, branch=order.branch_name)
        messages += [EmailMessage(subject, body, sender, [to]) for to in staff]  # one message per recipient
    return messages


def render(event: str, payloads: list[dict]) -> list[list[EmailMessage]]:
    """The outbox renderer of ``order.<event>``: per payload, its messages (none for an order that
    no longer exists)."""
    from order_app.models import Order, OrderLine

    ids = [uuid.UUID(payload["order_id"]) for payload in payloads]
    orders = Order.objects.using(PRIMARY).in_bulk(ids)
    lines: dict[uuid.UUID, list] = defaultdict(list)
    if event in WITH_LINES and orders:
        for line in OrderLine.objects.using(PRIMARY).filter(order_id__in=list(orders)).order_by("order_id", "position"):
            lines[line.order_id].append(line)
    staff = staff_emails_for_branches({o.branch_id for o in orders.values()}) if event == "placed" and orders else {}
    return [
        messages_for(event, orders[pk], lines[pk], staff.get(orders[pk].branch_id, [])) if pk in orders else []
        for pk in ids
    ]


MAIL_KINDS = tuple(MailKind(kind_of(event), partial(render, event)) for event in CUSTOMER_MAILS)
