"""OTP verification and resend; password reset request and confirm (docs/api.md §6.3–§6.6)."""

from __future__ import annotations

import math
import secrets
import uuid
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from auth_app import metrics
from auth_app import sql as statements
from auth_app.emails import send_otp_after_commit, send_password_reset_after_commit
from auth_app.exceptions import InvalidOtp, InvalidResetToken, OtpResendTooSoon, TooManyOtpAttempts, UserNotFound
from auth_app.models import Credential, PasswordResetToken
from auth_app.otp import OTP_LIFETIME, OTP_MAX_ATTEMPTS, OTP_RESEND_COOLDOWN, generate_otp, otp_hash, otp_matches
from auth_app.selectors import credential_by_identifier
from auth_app.services.revocation import end_every_session, lock_user
from auth_app.tokens import sha256_hex
from natjoub import ratelimit
from natjoub.audit import audit, identifier_hash

RESET_TOKEN_LIFETIME = timedelta(minutes=30)
OTP_STATE_FIELDS = ["otp_hash", "otp_expiry", "otp_attempts", "updated_at"]


def _locked_credential(identifier: str, found: Credential | None = None) -> Credential:
    found = found if found is not None else credential_by_identifier(identifier)
    if found is None:
        raise UserNotFound()
    credential = Credential.objects.select_for_update().filter(pk=found.pk).first()
    if credential is None:  # deleted meanwhile
        raise UserNotFound()
    return credential


def _check_otp(credential: Credential, code: str) -> tuple[InvalidOtp | None, bool]:
    """Steps 2–5 of §6.3 on a locked row: the error to raise after commit, if any, and whether a
    wrong code was tried (it also counts in the identifier's failures, §29.1)."""
    if credential.otp_attempts >= OTP_MAX_ATTEMPTS:
        return TooManyOtpAttempts(), False
    if not credential.otp_hash or credential.otp_expiry is None or credential.otp_expiry <= timezone.now():
        return InvalidOtp(), False
    if not otp_matches(code, credential.otp_hash):
        credential.otp_attempts += 1
        exhausted = credential.otp_attempts >= OTP_MAX_ATTEMPTS
        if exhausted:
            credential.otp_hash = None
        credential.save(update_fields=OTP_STATE_FIELDS)
        return (TooManyOtpAttempts() if exhausted else InvalidOtp()), True
    credential.is_verified = True
    credential.otp_hash = None
    credential.otp_expiry = None
    credential.otp_attempts = 0
    credential.save(update_fields=[*OTP_STATE_FIELDS, "is_verified"])
    return None, False


def otp_verify(*, identifier: str, otp: str) -> None:
    """The account's failure limit (429), then §6.3. A wrong code counts twice: against the OTP's
    own attempt cap and in the account's login failures (§29.1, per account as amended by §35), so
    requesting new codes does not buy an attacker more guesses than the login limit allows."""
    found = credential_by_identifier(identifier)
    key = ratelimit.failure_key(identifier, account_id=None if found is None else found.user_id)
    ratelimit.check_failures(key)
    with transaction.atomic():
        credential = _locked_credential(identifier, found)
        error, wrong_code = _check_otp(credential, otp)
        if error is None:
            audit("otp.verified", actor_id=credential.user_id, target_id=credential.user_id)
    if wrong_code:
        ratelimit.record_failure(key)
        audit("otp.failure", identifier_hash=identifier_hash(identifier))
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
    The caller answers the same whatever happens here, and the database does the same work for an
    unknown address as for a known one: one statement (``auth_app.sql.RESET_TOKEN_INSERT``) that
    also takes a transaction id, so an unknown address also commits a real transaction (a commit
    flushes the WAL only for a transaction that has one): the same statement, the same
    transaction and the same commit."""
    token = secrets.token_urlsafe(32)
    moment = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            statements.RESET_TOKEN_INSERT,
            [email, uuid.uuid4(), sha256_hex(token), moment + RESET_TOKEN_LIFETIME, moment],
        )
        _xid, user_id, address = cursor.fetchone()
        if user_id is None:
            audit("password_reset.requested", identifier_hash=identifier_hash(email), sent=False)
            return
        send_password_reset_after_commit(address, token)
        audit("password_reset.requested", target_id=user_id, sent=True)


def password_reset_confirm(*, token: str, new_password: str) -> None:
    """New hash, every unused reset token of the user used, every refresh token revoked."""
    password_hash = make_password(new_password)  # before any lock (and the same cost for bad tokens)
    with transaction.atomic():
        # no join here: FOR UPDATE OF cannot name schema-qualified tables, so lock the row alone
        row = PasswordResetToken.objects.select_for_update().filter(token_hash=sha256_hex(token)).first()
        moment = timezone.now()
        if row is None or row.used_at is not None or row.expires_at <= moment:
            raise InvalidResetToken()
        user = lock_user(row.user_id)  # serialised with refresh rotations (docs/api.md §30)
        if user is None or not user.is_active:
            raise InvalidResetToken()
        Credential.objects.filter(user_id=row.user_id).update(password=password_hash, updated_at=moment)
        PasswordResetToken.objects.filter(user_id=row.user_id, used_at__isnull=True).update(used_at=moment)
        end_every_session(row.user_id, moment=moment, reason="password_reset", actor_id=row.user_id)
        transaction.on_commit(metrics.PASSWORD_RESETS.inc)
        audit("password_reset.completed", actor_id=row.user_id, target_id=row.user_id)
