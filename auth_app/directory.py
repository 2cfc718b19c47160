"""The accounts directory: what other apps may know about users (docs/architecture.md §6).

Other apps import only this module and ``auth_app.permissions`` from auth (the boundary test
enforces it), in the manner of Sentry's user service and its ``RpcUser``: plain values out,
never auth's models, and no ORM lookup of another app crosses into auth's tables
(``user__role__name``). A rename inside auth then breaks auth's own tests, not another app at
run time.

Every read here goes to the primary: these facts decide access (a role, an active flag), and a
replica that has not replayed a deactivation or a deletion must never answer them
(docs/api.md §35, the replicas row).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.db import DEFAULT_DB_ALIAS
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Collate
from django.dispatch import Signal

from auth_app.error_codes import AuthErrorCode
from natjoub.api.errors import ApplicationError


class Role(StrEnum):
    """Role names: the access token's ``role`` claim and the roles table (docs/api.md §5)."""

    ADMIN = "admin"
    SELLER = "seller"
    CUSTOMER = "customer"


class UserNotFound(ApplicationError):
    """The one ``USER_NOT_FOUND``: accounts routes and any app naming a user by path."""

    code, status, template = AuthErrorCode.USER_NOT_FOUND, 404, "User not found"


@dataclass(frozen=True)
class DirectoryUser:
    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    is_active: bool
    is_verified: bool


# Sent by auth's user deletion inside its transaction, before the user row goes, with
# ``user_id``, ``role`` (Role) and ``actor_id``: another app ends what the user had open
# (orders are cancelled) in the same transaction, and auth names no app (docs/api.md §37).
user_deleting = Signal()

_FIELDS = (
    "pk",
    "credentials__email",
    "first_name",
    "last_name",
    "role__name",
    "is_active",
    "credentials__is_verified",
)


def _users():
    from auth_app.models import User

    return User.objects.using(DEFAULT_DB_ALIAS)


def _build(row) -> DirectoryUser:
    pk, email, first, last, role, active, verified = row
    return DirectoryUser(
        id=pk,
        email=email or "",
        full_name=f"{first} {last}".strip(),
        role=Role(role),
        is_active=active,
        is_verified=bool(verified),
    )


def users_by_id(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, DirectoryUser]:
    """The users among ``ids`` that exist, by id (one query)."""
    wanted = list(ids)
    if not wanted:
        return {}
    return {row[0]: _build(row) for row in _users().filter(pk__in=wanted).values_list(*_FIELDS)}


def find_user(user_id: uuid.UUID) -> DirectoryUser | None:
    return users_by_id([user_id]).get(user_id)


def get_user(user_id: uuid.UUID) -> DirectoryUser:
    user = find_user(user_id)
    if user is None:
        raise UserNotFound()
    return user


def role_of(user_id: uuid.UUID) -> Role | None:
    role = _users().filter(pk=user_id).values_list("role__name", flat=True).first()
    return Role(role) if role is not None else None


def emails(*, role: Role, active: bool = True) -> list[str]:
    """E-mail addresses of the users with ``role`` (only active ones by default), in id order."""
    users = _users().filter(role__name=role)
    if active:
        users = users.filter(is_active=True)
    return list(users.order_by("pk").values_list("credentials__email", flat=True))


def sellers(*, user_ids: Iterable[uuid.UUID] | None = None, active: bool | None = None) -> list[DirectoryUser]:
    """Sellers (optionally only ``user_ids``, only active or inactive ones), by e-mail then id."""
    users = _users().filter(role__name=Role.SELLER)
    if user_ids is not None:
        users = users.filter(pk__in=list(user_ids))
    if active is not None:
        users = users.filter(is_active=active)
    ordered = users.order_by(Collate(F("credentials__email"), "C"), "pk")  # code point order, as every list
    return [_build(row) for row in ordered.values_list(*_FIELDS)]


def email_of(user_id_field: str = "user_id") -> Subquery:
    """The e-mail of the user whose id is in another model's ``user_id_field``, as an expression
    to annotate or order that model's queryset by, without an ORM path into auth's models."""
    from auth_app.models import Credential

    return Subquery(Credential.objects.filter(user_id=OuterRef(user_id_field)).values("email")[:1])
