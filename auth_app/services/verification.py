"""OTP verification and resend; password reset request and confirm (docs/api.md §6.3–§6.6)."""

from __future__ import annotations

import math
import secrets
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from auth_app import metrics
from auth_app.emails import send_otp_after_commit, send_password_reset_after_commit
from auth_app.exceptions import InvalidOtp, InvalidResetToken, OtpResendTooSoon, TooManyOtpAttempts, UserNotFound
from auth_app.models import Credential, PasswordResetToken, User
from auth_app.otp import OTP_LIFETIME, OTP_MAX_ATTEMPTS, OTP_RESEND_COOLDOWN, generate_otp, otp_hash, otp_matches
from auth_app.selectors import credential_by_email, credential_by_identifier
from auth_app.services.common import revoke_refresh_tokens
from auth_app.tokens import sha256_hex
from natjoub.db.replicas.middleware import remember_write_for

RESET_TOKEN_LIFETIME = timedelta(minutes=30)
OTP_STATE_FIELDS = ["otp_hash", "otp_expiry", "otp_attempts", "updated_at"]


def _locked_credential(identifier: str) -> Credential:
    found = credential_by_identifier(identifier)
    if found is None:
        raise UserNotFound()
    credential = Credential.objects.select_for_update().filter(pk=found.pk).first()
    if credential is None:  # deleted meanwhile
        raise UserNotFound()
    return credential


def _check_otp(credential: Credential, code: str) -> InvalidOtp | None:
    """Steps 2–5 of §6.3 on a locked row; returns the error to raise after commit, if any."""
    if credential.otp_attempts >= OTP_MAX_ATTEMPTS:
        return TooManyOtpAttempts()
    if not credential.otp_hash or credential.otp_expiry is None or credential.otp_expiry <= timezone.now():
        return InvalidOtp()
    if not otp_matches(code, credential.otp_hash):
        credential.otp_attempts += 1
        exhausted = credential.otp_attempts >= OTP_MAX_ATTEMPTS
        if exhausted:
            credential.otp_hash = None
        credential.save(update_fields=OTP_STATE_FIELDS)
        return TooManyOtpAttempts() if exhausted else InvalidOtp()
    credential.is_verified = True
    credential.otp_hash = None
    credential.otp_expiry = None
    credential.otp_attempts = 0
    credential.save(update_fields=[*OTP_STATE_FIELDS, "is_verified"])
    return None


def otp_verify(*, identifier: str, otp: str) -> None:
    with transaction.atomic():
        error = _check_otp(_locked_credential(identifier), otp)
    if error is not None:
        raise error  # after the block: a failed attempt stays counted


def otp_resend(*, identifier: str) -> None:
    """A fresh code (10 minutes, attempts reset), at most one per 60 s per account."""
    with transaction.atomic():
        credential = _locked_credential(identifier)
        sent_at = timezone.now()
        if credential.otp_sent_at is not None:
            elapsed = sent_at - credential.otp_sent_at
            if elapsed < OTP_RESEND_COOLDOWN:
                left = (OTP_RESEND_COOLDOWN - elapsed).total_seconds()
                raise OtpResendTooSoon(retry_after=min(60, max(1, math.ceil(left))))
        code = generate_otp()
        credential.otp_hash = otp_hash(code)
        credential.otp_expiry = sent_at + OTP_LIFETIME
        credential.otp_attempts = 0
        credential.otp_sent_at = sent_at
        credential.save(update_fields=[*OTP_STATE_FIELDS, "otp_sent_at"])
        send_otp_after_commit(credential.email, code)


def password_reset_request(*, email: str) -> None:
    """Only for an active account's e-mail: store a 30-minute single-use token's hash and mail it.
    The caller answers the same whatever happens here."""
    credential = credential_by_email(email)
    if credential is None or not credential.user.is_active:
        return
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        PasswordResetToken.objects.create(
            user_id=credential.user_id, token_hash=sha256_hex(token), expires_at=timezone.now() + RESET_TOKEN_LIFETIME
        )
        send_password_reset_after_commit(credential.email, token)


def password_reset_confirm(*, token: str, new_password: str) -> None:
    """New hash, every unused reset token of the user used, every refresh token revoked."""
    password_hash = make_password(new_password)  # before any lock (and the same cost for bad tokens)
    with transaction.atomic():
        # no join here: FOR UPDATE OF cannot name schema-qualified tables, so lock the row alone
        row = PasswordResetToken.objects.select_for_update().filter(token_hash=sha256_hex(token)).first()
        moment = timezone.now()
        if row is None or row.used_at is not None or row.expires_at <= moment:
            raise InvalidResetToken()
        if not User.objects.filter(pk=row.user_id, is_active=True).exists():
            raise InvalidResetToken()
        Credential.objects.filter(user_id=row.user_id).update(password=password_hash, updated_at=moment)
        PasswordResetToken.objects.filter(user_id=row.user_id, used_at__isnull=True).update(used_at=moment)
        revoke_refresh_tokens(row.user_id)
        remember_write_for(row.user_id)  # the user's old tokens must be refused on any replica at once
        transaction.on_commit(metrics.PASSWORD_RESETS.inc)
