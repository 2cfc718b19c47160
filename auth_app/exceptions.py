"""Accounts errors (docs/api.md, "Errors"): each declares its code, status and message; raise
sites pass only data. Views raise them; the one exception handler renders them."""

from __future__ import annotations

from auth_app.directory import UserNotFound
from auth_app.error_codes import AuthErrorCode
from natjoub.api.errors import ApplicationError

__all__ = ["AuthErrorCode", "UserNotFound"]  # UserNotFound is defined once, in the directory other apps use


class InvalidRole(ApplicationError):
    code, template = AuthErrorCode.INVALID_ROLE, "Invalid role: {role}"


class AdminRegistrationRefused(InvalidRole):
    template = "Cannot register as admin"


class InvalidOtp(ApplicationError):
    code, template = AuthErrorCode.INVALID_OTP, "Invalid or expired OTP"


class TooManyOtpAttempts(InvalidOtp):
    template = "Too many failed attempts. Please request a new OTP."


class InvalidResetToken(ApplicationError):
    code, template = AuthErrorCode.INVALID_TOKEN, "Invalid or expired reset token"


class InvalidCredentials(ApplicationError):
    code, status, template = AuthErrorCode.INVALID_CREDENTIALS, 401, "Invalid email/username/phone or password"


class InvalidRefreshToken(ApplicationError):
    code, status, template = AuthErrorCode.INVALID_REFRESH_TOKEN, 401, "Invalid or revoked refresh token"


class RefreshTokenRevoked(InvalidRefreshToken):
    """A rotated or revoked refresh token came back: every session of its user ended."""

    template = "Refresh token has been revoked"


class AccountDeactivated(ApplicationError):
    code, status, template = AuthErrorCode.ACCOUNT_DEACTIVATED, 403, "Account has been deactivated"


class UserAlreadyExists(ApplicationError):
    code, status = AuthErrorCode.USER_ALREADY_EXISTS, 409


class EmailTaken(UserAlreadyExists):
    template = "Email already registered"


class UsernameTaken(UserAlreadyExists):
    template = "Username already taken"


class PhoneTaken(UserAlreadyExists):
    template = "Phone number already registered"


class LastAdmin(ApplicationError):
    code, status, template = AuthErrorCode.LAST_ADMIN, 409, "Cannot deactivate or delete the last active admin"


class OtpResendTooSoon(ApplicationError):
    code, status, template = AuthErrorCode.OTP_RESEND_TOO_SOON, 429, "Please wait before requesting a new OTP"

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.data["retry_after"])}


class SessionNotFound(ApplicationError):
    code, status, template = AuthErrorCode.SESSION_NOT_FOUND, 404, "Session not found"
