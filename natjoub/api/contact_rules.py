"""The e-mail and phone number formats of the contract, shared by accounts and branches.

Each rule takes the value as sent and returns the contract's detail message, or ``None``."""

from __future__ import annotations

import re

EMAIL_MAX = 255
EMAIL_RE = re.compile(r"[A-Za-z0-9+_.-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE_RE = re.compile(r"\+?[1-9]\d{1,14}", re.ASCII)  # E.164: up to 15 digits, no leading zero
EMAIL_MESSAGE = "Invalid email format"
PHONE_MESSAGE = "Invalid phone number format"


def email_problem(value: str) -> str | None:
    return None if len(value) <= EMAIL_MAX and EMAIL_RE.fullmatch(value) else EMAIL_MESSAGE


def phone_problem(value: str) -> str | None:
    return None if PHONE_RE.fullmatch(value) else PHONE_MESSAGE
