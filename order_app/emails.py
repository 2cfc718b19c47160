"""Order e-mail (docs/api.md §37.10), sent after the transaction commits, in the background
(natjoub/background.py), like auth's mail: a failure is logged (never the pickup code) and never
changes a response. The pickup code goes only into the ready mail to the order's customer."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.template.loader import render_to_string

from inventory_app.selectors.access import staff_emails_for_branch
from natjoub.background import after_response

logger = logging.getLogger("order_app.emails")

CUSTOMER_MAILS = {
    "placed": ("Order {number} received", "emails/orders/placed.txt"),
    "ready": ("Order {number} is ready for pickup", "emails/orders/ready.txt"),
    "cancelled": ("Order {number} cancelled", "emails/orders/cancelled.txt"),
    "expired": ("Order {number} expired", "emails/orders/expired.txt"),
}
STAFF_SUBJECT = "New order {number} at {branch}"


def send_after_commit(event: str, order_id: uuid.UUID, order=None) -> None:
    """``order``: the order as just written, with its ``created_lines`` (a placement), so the mail
    does not read back what the request wrote; otherwise it is read when the mail is made."""
    if event in CUSTOMER_MAILS:
        transaction.on_commit(lambda: after_response(lambda: deliver(event, order_id, order)))


def messages_for(event: str, order) -> list[EmailMessage]:
    subject, template = CUSTOMER_MAILS[event]
    lines = getattr(order, "created_lines", None)
    context = {"order": order, "lines": lines if lines is not None else list(order.lines.order_by("position"))}
    sender = settings.DEFAULT_FROM_EMAIL
    messages = [
        EmailMessage(
            subject.format(number=order.number), render_to_string(template, context), sender, [order.customer_email]
        )
    ]
    if event == "placed":
        body = render_to_string("emails/orders/new_order.txt", context)
        subject = STAFF_SUBJECT.format(number=order.number, branch=order.branch_name)
        messages += [EmailMessage(subject, body, sender, [to]) for to in staff_emails_for_branch(order.branch_id)]
    return messages


def deliver(event: str, order_id: uuid.UUID, order=None) -> int:
    from order_app.models import Order

    try:
        order = order if order is not None else Order.objects.get(pk=order_id)
        return mailers.default.send_messages(messages_for(event, order)) or 0
    except Exception as exc:  # any delivery problem is logged and swallowed (docs/api.md §7)
        logger.warning("order %s e-mail delivery failed: %s", event, type(exc).__name__)
        return 0
