"""The field rules of docs/api.md §6.0, shared by the API serializers, ``create_admin`` and the admin.

Each rule takes the value as sent and returns the contract's detail message, or ``None``.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from django.contrib.auth.password_validation import CommonPasswordValidator

from auth_app.models import Gender

NAME_MAX = 100
PASSWORD_MAX = 128

USERNAME_RE = re.compile(r"[a-zA-Z0-9_]{3,20}")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)

FIRST_NAME_MESSAGE = "Invalid first name"
LAST_NAME_MESSAGE = "Invalid last name"
USERNAME_MESSAGE = "Username must be 3-20 characters and contain only letters, numbers, and underscores"
PASSWORD_POLICY_MESSAGE = (
    "Password must be at least 8 characters with uppercase, lowercase, digit, and special character"  # noqa: S105
)
PASSWORD_LENGTH_MESSAGE = f"Password must be at most {PASSWORD_MAX} characters"
PASSWORD_COMMON_MESSAGE = "This password is too common"  # noqa: S105
DOB_MESSAGE = "Invalid date format. Use YYYY-MM-DD"
GENDER_MESSAGE = "Gender must be one of: male, female, other"


def _name_ok(value: str) -> bool:
    return bool(value.strip()) and len(value) <= NAME_MAX and all(c.isalpha() or c in " -'" for c in value)


def first_name_problem(value: str) -> str | None:
    return None if _name_ok(value) else FIRST_NAME_MESSAGE


def last_name_problem(value: str) -> str | None:
    return None if _name_ok(value) else LAST_NAME_MESSAGE


def username_problem(value: str) -> str | None:
    return None if USERNAME_RE.fullmatch(value) else USERNAME_MESSAGE


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(CommonPasswordValidator().passwords)


def password_problem(value: str) -> str | None:
    """Policy, then length, then Django's common-password list (in that order)."""
    policy = (
        len(value) >= 8
        and any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdecimal() for c in value)
        and any(not (c.isalpha() or c.isdecimal()) for c in value)
    )
    if not policy:
        return PASSWORD_POLICY_MESSAGE
    if len(value) > PASSWORD_MAX:
        return PASSWORD_LENGTH_MESSAGE
    if value.lower().strip() in _common_passwords():
        return PASSWORD_COMMON_MESSAGE
    return None


def parse_dob(value: str) -> dt.date | None:
    if not DATE_RE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def dob_problem(value: str) -> str | None:
    return None if parse_dob(value) else DOB_MESSAGE


def parse_gender(value: str) -> str | None:
    lowered = value.lower()
    return lowered if lowered in Gender.values else None


def gender_problem(value: str) -> str | None:
    return None if parse_gender(value) else GENDER_MESSAGE
