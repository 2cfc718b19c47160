"""Helpers shared by the auth services."""

from __future__ import annotations

from django.db import IntegrityError

from auth_app.exceptions import EmailTaken, PhoneTaken, UserAlreadyExists, UsernameTaken
from auth_app.models import Credential
from auth_app.selectors import credential_by_email


def ensure_unique(
    *, email: str | None = None, username: str | None = None, phone_number: str | None = None, exclude_user=None
) -> None:
    """409 on the first conflict in the contract's order: e-mail, username, phone number."""
    others = Credential.objects.all()
    if exclude_user is not None:
        others = others.exclude(user_id=exclude_user)
    if email is not None:
        holder = credential_by_email(email)
        if holder is not None and holder.user_id != exclude_user:
            raise EmailTaken
    if username is not None and others.filter(username=username).exists():
        raise UsernameTaken
    if phone_number is not None and others.filter(phone_number=phone_number).exists():
        raise PhoneTaken


def conflict_from_integrity_error(exc: IntegrityError) -> UserAlreadyExists:
    """Map a unique-constraint race on ``credentials`` to the contract's 409."""
    diag = getattr(exc.__cause__, "diag", None)
    constraint = (getattr(diag, "constraint_name", None) or "").lower()
    for marker, error in (("email", EmailTaken), ("username", UsernameTaken), ("phone", PhoneTaken)):
        if marker in constraint:
            return error()
    raise exc  # not a uniqueness race we know: a real bug, let it surface
