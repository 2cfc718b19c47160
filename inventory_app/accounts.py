"""The users inventory needs (e-mails and roles of sellers and admins), read from auth.

This mirrors the interface of ``auth_app.directory`` (docs/architecture.md, module map) and is the
only inventory module that knows auth's ORM paths; once the directory lands, its functions take
their place here. Every read goes to the primary: an access decision never trusts a replica
(docs/api.md §35).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery

PRIMARY = "default"
ADMIN = "admin"
SELLER = "seller"
CUSTOMER = "customer"


@dataclass(frozen=True)
class DirectoryUser:
    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    role: str
    is_active: bool


_FIELDS = ("pk", "credentials__email", "first_name", "last_name", "role__name", "is_active")


def _users():
    return get_user_model().objects.using(PRIMARY)


def _build(row) -> DirectoryUser:
    return DirectoryUser(*row)


def find_user(user_id: uuid.UUID) -> DirectoryUser | None:
    row = _users().filter(pk=user_id).values_list(*_FIELDS).first()
    return None if row is None else _build(row)


def users_by_id(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, DirectoryUser]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {row[0]: _build(row) for row in _users().filter(pk__in=ids).values_list(*_FIELDS)}


def sellers(*, user_ids: Iterable[uuid.UUID] | None = None) -> list[DirectoryUser]:
    """Sellers ordered by e-mail (code point order), then id."""
    from django.db.models import F
    from django.db.models.functions import Collate

    queryset = _users().filter(role__name=SELLER)
    if user_ids is not None:
        queryset = queryset.filter(pk__in=list(user_ids))
    queryset = queryset.order_by(Collate(F("credentials__email"), "C"), "pk")
    return [_build(row) for row in queryset.values_list(*_FIELDS)]


def emails(*, role: str, active: bool = True, user_ids: Iterable[uuid.UUID] | None = None) -> list[str]:
    """E-mails of the users of ``role`` (those among ``user_ids`` when given), by user id."""
    queryset = _users().filter(role__name=role, is_active=active)
    if user_ids is not None:
        queryset = queryset.filter(pk__in=list(user_ids))
    return list(queryset.order_by("pk").values_list("credentials__email", flat=True))


def email_of(user_id_field: str = "user_id") -> Subquery:
    """The e-mail of the user ``user_id_field`` names, to annotate or order another queryset."""
    return Subquery(_users().filter(pk=OuterRef(user_id_field)).values("credentials__email")[:1])
