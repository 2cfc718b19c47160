"""OTP and password-reset e-mail (docs/api.md §7). Queued when the transaction commits and sent by a
background thread after the response (natjoub/background.py): the SMTP exchange never shows in a
response's timing. A failure is logged (never the code or token) and never changes the response.

Not through the mail outbox (docs/architecture.md §3.12): the code and the reset token exist in
clear only in this process's memory (the database keeps their hashes), the outbox stores no
secret, and the user is waiting for the mail now."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from auth_app.otp import OTP_LIFETIME
from natjoub.background import after_response

logger = logging.getLogger("auth_app.emails")

OTP_SUBJECT = "Your NatJoub verification code"
RESET_SUBJECT = "NatJoub password reset"
RESET_MINUTES = 30


def _deliver(kind: str, recipient: str, subject: str, template: str, context: dict) -> None:
    try:
        body = render_to_string(template, context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    except Exception as exc:  # any delivery problem is logged and swallowed (docs/api.md §7)
        logger.warning("%s e-mail delivery failed: %s", kind, type(exc).__name__)


def _after_commit(delivery) -> None:
    transaction.on_commit(lambda: after_response(delivery))


def send_otp_after_commit(recipient: str, code: str) -> None:
    minutes = int(OTP_LIFETIME.total_seconds() // 60)
    _after_commit(lambda: _deliver("otp", recipient, OTP_SUBJECT, "emails/otp.txt", {"code": code, "minutes": minutes}))


def send_password_reset_after_commit(recipient: str, token: str) -> None:
    _after_commit(
        lambda: _deliver(
            "password reset",
            recipient,
            RESET_SUBJECT,
            "emails/password_reset.txt",
            {"token": token, "minutes": RESET_MINUTES},
        )
    )
