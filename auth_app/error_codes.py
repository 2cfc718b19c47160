"""The accounts' error codes (docs/architecture.md §3.6), registered in ``AuthAppConfig.ready()``.

Their own module because both ``exceptions.py`` and ``directory.py`` (which defines the one
``UserNotFound``) need them, and ``exceptions.py`` re-exports from the directory."""

from __future__ import annotations

from enum import StrEnum


class AuthErrorCode(StrEnum):
    INVALID_ROLE = "INVALID_ROLE"
    INVALID_OTP = "INVALID_OTP"
    INVALID_TOKEN = "INVALID_TOKEN"  # noqa: S105 - an error code, not a secret
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_REFRESH_TOKEN = "INVALID_REFRESH_TOKEN"  # noqa: S105
    ACCOUNT_DEACTIVATED = "ACCOUNT_DEACTIVATED"
    USER_NOT_FOUND = "USER_NOT_FOUND"
    USER_ALREADY_EXISTS = "USER_ALREADY_EXISTS"
    LAST_ADMIN = "LAST_ADMIN"
    OTP_RESEND_TOO_SOON = "OTP_RESEND_TOO_SOON"
    SESSION_NOT_FOUND = "SESSION_NOT_FOUND"
