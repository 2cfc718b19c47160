"""Auth error codes (contract §6, §16)."""

from __future__ import annotations

from natjoub.api.errors import ApplicationError

INVALID_OTP_MESSAGE = "Invalid or expired OTP"
TOO_MANY_OTP_ATTEMPTS = "Too many failed attempts. Please request a new OTP."
EMAIL_TAKEN = "Email already registered"
USERNAME_TAKEN = "Username already taken"
PHONE_TAKEN = "Phone number already registered"
REFRESH_INVALID = "Invalid or revoked refresh token"
REFRESH_REVOKED = "Refresh token has been revoked"


class InvalidRole(ApplicationError):
    status_code, code = 400, "INVALID_ROLE"


class InvalidOtp(ApplicationError):
    status_code, code, default_message = 400, "INVALID_OTP", INVALID_OTP_MESSAGE


class InvalidResetToken(ApplicationError):
    status_code, code, default_message = 400, "INVALID_TOKEN", "Invalid or expired reset token"


class InvalidCredentials(ApplicationError):
    status_code, code, default_message = 401, "INVALID_CREDENTIALS", "Invalid email/username/phone or password"


class InvalidRefreshToken(ApplicationError):
    status_code, code, default_message = 401, "INVALID_REFRESH_TOKEN", REFRESH_INVALID


class AccountDeactivated(ApplicationError):
    status_code, code, default_message = 403, "ACCOUNT_DEACTIVATED", "Account has been deactivated"


class UserNotFound(ApplicationError):
    status_code, code, default_message = 404, "USER_NOT_FOUND", "User not found"


class UserAlreadyExists(ApplicationError):
    status_code, code = 409, "USER_ALREADY_EXISTS"


class LastAdmin(ApplicationError):
    status_code, code, default_message = 409, "LAST_ADMIN", "Cannot deactivate or delete the last active admin"


class OtpResendTooSoon(ApplicationError):
    status_code, code, default_message = 429, "OTP_RESEND_TOO_SOON", "Please wait before requesting a new OTP"

    def __init__(self, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(retry_after)})
