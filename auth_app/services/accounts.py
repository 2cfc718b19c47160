"""Accounts: registration, ``create_admin``, profile updates, admin status changes and deletes."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from auth_app import directory, metrics, selectors
from auth_app.emails import send_otp_after_commit
from auth_app.exceptions import AdminRegistrationRefused, InvalidRole, LastAdmin, UserNotFound
from auth_app.models import Credential, RefreshToken, Role, RoleName, User
from auth_app.otp import OTP_LIFETIME, generate_otp, otp_hash
from auth_app.services.common import conflict_from_integrity_error, ensure_unique
from auth_app.services.revocation import end_every_session
from auth_app.services.sessions import NO_CLIENT, Client, session_start, tokens_issue
from natjoub.audit import audit
from natjoub.db.replicas.middleware import remember_write_for

REGISTRABLE_ROLES = (RoleName.SELLER, RoleName.CUSTOMER)
USER_FIELDS = ("first_name", "last_name", "dob", "gender")
CREDENTIAL_FIELDS = ("username", "phone_number")


def _registrable_role(role: str) -> str:
    lowered = role.lower()
    if lowered == RoleName.ADMIN:
        raise AdminRegistrationRefused
    if lowered not in REGISTRABLE_ROLES:
        raise InvalidRole(role=role)
    return lowered


def _create_account(
    *,
    role_name: str,
    first_name: str,
    last_name: str,
    email: str,
    password_hash: str,
    username: str | None,
    phone_number: str | None,
    dob: dt.date | None = None,
    gender: str | None = None,
    is_verified: bool = False,
    otp_code: str | None = None,
) -> User:
    user = User.objects.create(
        first_name=first_name,
        last_name=last_name,
        dob=dob,
        gender=gender,
        role=Role.objects.get(name=role_name),
        is_active=True,
    )
    sent_at = timezone.now()
    Credential.objects.create(
        user=user,
        email=email,
        username=username,
        phone_number=phone_number,
        password=password_hash,
        is_verified=is_verified,
        otp_hash=otp_hash(otp_code) if otp_code else None,
        otp_expiry=sent_at + OTP_LIFETIME if otp_code else None,
        otp_sent_at=sent_at if otp_code else None,
        otp_attempts=0,
    )
    return selectors.user_get(user_id=user.pk)


def user_register(
    *,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
    role: str,
    username: str | None = None,
    phone_number: str | None = None,
    dob: dt.date | None = None,
    gender: str | None = None,
    client: Client = NO_CLIENT,
) -> tuple[User, dict]:
    """Role → uniqueness → user and credentials in one transaction → first OTP e-mail → a first
    session and its tokens."""
    role_name = _registrable_role(role)
    ensure_unique(email=email, username=username, phone_number=phone_number)
    password_hash = make_password(password)  # slow (bcrypt): before the transaction
    code = generate_otp()
    try:
        with transaction.atomic():
            user = _create_account(
                role_name=role_name,
                first_name=first_name,
                last_name=last_name,
                email=email,
                password_hash=password_hash,
                username=username,
                phone_number=phone_number,
                dob=dob,
                gender=gender,
                otp_code=code,
            )
            session = session_start(user=user, client=client)
            tokens = tokens_issue(user=user, session=session)
            send_otp_after_commit(email, code)
            transaction.on_commit(metrics.REGISTRATIONS.inc)
            audit("user.registered", actor_id=user.pk, target_id=user.pk, role=role_name, session_id=session.pk)
    except IntegrityError as exc:  # a concurrent registration won the race
        raise conflict_from_integrity_error(exc) from None
    return user, tokens


def admin_create(
    *,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
    username: str | None = None,
    phone_number: str | None = None,
) -> User:
    """An active, verified admin (``manage.py create_admin``); fields are validated by the caller."""
    ensure_unique(email=email, username=username, phone_number=phone_number)
    password_hash = make_password(password)
    try:
        with transaction.atomic():
            return _create_account(
                role_name=RoleName.ADMIN,
                first_name=first_name,
                last_name=last_name,
                email=email,
                password_hash=password_hash,
                username=username,
                phone_number=phone_number,
                is_verified=True,
            )
    except IntegrityError as exc:
        raise conflict_from_integrity_error(exc) from None


def profile_update(*, user_id: uuid.UUID, data: dict) -> User:
    """Change the given profile fields (absent = unchanged); all or nothing."""
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().filter(pk=user_id).first()
            if user is None:
                raise UserNotFound()
            credential = Credential.objects.select_for_update().get(user_id=user_id)
            ensure_unique(username=data.get("username"), phone_number=data.get("phone_number"), exclude_user=user_id)
            user_changes = [f for f in USER_FIELDS if f in data]
            credential_changes = [f for f in CREDENTIAL_FIELDS if f in data]
            for field in user_changes:
                setattr(user, field, data[field])
            for field in credential_changes:
                setattr(credential, field, data[field])
            if user_changes:
                user.save(update_fields=[*user_changes, "updated_at"])
            if credential_changes:
                credential.save(update_fields=[*credential_changes, "updated_at"])
    except IntegrityError as exc:
        raise conflict_from_integrity_error(exc) from None
    return selectors.user_get(user_id=user_id)


def _admin_role_id() -> uuid.UUID:
    return Role.objects.values_list("pk", flat=True).get(name=RoleName.ADMIN)


def _lock_target(user_id: uuid.UUID, *, removes_admin: bool) -> User:
    """Lock the target user row. When the change would remove an active admin, first lock every
    active admin row in primary-key order (so concurrent guards cannot deadlock), then count."""
    target = User.objects.filter(pk=user_id).values_list("role_id", flat=True).first()
    if target is None:
        raise UserNotFound()
    if removes_admin:
        admin_role = _admin_role_id()
        if target == admin_role:
            active_admins = list(
                User.objects.select_for_update()
                .filter(role_id=admin_role, is_active=True)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if user_id in active_admins and len(active_admins) <= 1:
                raise LastAdmin()
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise UserNotFound()
    return user


def user_set_status(*, user_id: uuid.UUID, is_active: bool, actor_id: uuid.UUID | None = None) -> User:
    """Activate or deactivate; deactivation ends every session, so no token issued before it
    works again after a reactivation (docs/api.md §25)."""
    with transaction.atomic():
        user = _lock_target(user_id, removes_admin=not is_active)
        if user.is_active != is_active:
            user.is_active = is_active
            user.save(update_fields=["is_active", "updated_at"])
            audit("user.status_changed", actor_id=actor_id, target_id=user_id, is_active=is_active)
        if not is_active:
            end_every_session(user.pk, moment=timezone.now(), reason="deactivated", actor_id=actor_id)
    return selectors.user_get(user_id=user_id)


def user_delete(*, user_id: uuid.UUID, actor_id: uuid.UUID | None = None) -> None:
    """Hard delete; credentials, sessions, refresh tokens and reset tokens cascade."""
    with transaction.atomic():
        user = _lock_target(user_id, removes_admin=True)
        role = user.role.name
        directory.user_deleting.send(sender=user_delete, user_id=user_id, role=directory.Role(role), actor_id=actor_id)
        user.delete()
        audit("user.deleted", actor_id=actor_id, target_id=user_id, role=role)
        remember_write_for(user_id)


def refresh_tokens_revoke(*, token_ids: list[uuid.UUID], actor_id: uuid.UUID | None = None) -> int:
    """Revoke the given refresh tokens (the admin site's action)."""
    with transaction.atomic():
        revoked = RefreshToken.objects.filter(pk__in=token_ids, is_revoked=False)
        owners = sorted({str(pk) for pk in revoked.values_list("user_id", flat=True)})
        count = revoked.update(is_revoked=True)
        audit("refresh_tokens.revoked", actor_id=actor_id, target_ids=owners, tokens=count)
        return count
