"""The one place that decides which branches a caller may act on (docs/api.md §36).

* admins: every branch;
* sellers: every branch with an all-branches grant (``seller_grants``), else their assigned
  branches (``branch_assignments``), possibly none: no grant, no stock access;
* customers (and anyone else): none.

The grant and the assignments are read in one indexed query on the **primary**, never a replica:
a removed grant or assignment takes effect on every node at once, even while a replica lags
(docs/api.md §35). The result is a ``BranchAccess`` value the stock selectors and services apply
as explicit branch ids (inventory_app.scoping), so no replica ever evaluates the rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F
from django.db.models.functions import Collate

from auth_app import directory
from auth_app.directory import Role
from inventory_app import sql as statements
from inventory_app.exceptions import InvalidAssignment, UserNotFound
from inventory_app.models import BranchAssignment, SellerGrant
from inventory_app.scoping import EVERYWHERE, NOWHERE, BranchAccess

__all__ = [
    "BranchAccess",
    "SellerAccess",
    "branch_access",
    "branch_access_of",
    "seller_access_get",
    "seller_access_list",
    "seller_branch_access",
    "staff_emails_for_branch",
    "staff_emails_for_branches",
]

PRIMARY = DEFAULT_DB_ALIAS  # access decisions never read a replica (docs/api.md §35)


def seller_branch_access(user_id: uuid.UUID) -> BranchAccess:
    """A seller's branches: the grant (every branch), else its assignments. One query, primary."""
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute(statements.SELLER_ACCESS, [user_id, user_id])
        rows = cursor.fetchall()
    if any(granted for granted, _ in rows):
        return EVERYWHERE
    return BranchAccess(branch_ids=frozenset(branch_id for _, branch_id in rows))


def branch_access(*, user_id: uuid.UUID | None, role: str | None) -> BranchAccess:
    if role == Role.ADMIN:
        return EVERYWHERE
    if role == Role.SELLER and user_id is not None:
        return seller_branch_access(user_id)
    return NOWHERE


_CACHE = "_natjoub_branch_access"


def branch_access_of(request) -> BranchAccess:
    """The caller's access; the role is the access token's claim, as for every authorization
    decision (docs/api.md §4.2). Decided once per request (read again by the next request)."""
    cached = getattr(request, _CACHE, None)
    if cached is not None:
        return cached
    token = getattr(request, "auth", None)
    role = token.get("role") if token is not None else None
    user = getattr(request, "user", None)
    access = branch_access(user_id=getattr(user, "pk", None), role=role)
    setattr(request, _CACHE, access)
    return access


def staff_emails_for_branches(branch_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Per branch, the mail recipients of its stock events: every active admin (by id), then
    every active seller with access to the branch (grant or assignment, by id), each once."""
    branch_ids = set(branch_ids)
    if not branch_ids:
        return {}
    admins = directory.emails(role=Role.ADMIN)
    granted = set(SellerGrant.objects.using(PRIMARY).values_list("user_id", flat=True))
    assigned: dict[uuid.UUID, set[uuid.UUID]] = {}
    rows = BranchAssignment.objects.using(PRIMARY).filter(branch_id__in=branch_ids)
    for branch_id, user_id in rows.values_list("branch_id", "user_id"):
        assigned.setdefault(branch_id, set()).add(user_id)
    everyone = granted.union(*assigned.values())
    users = directory.users_by_id(everyone)
    sellers = {pk for pk, user in users.items() if user.role == Role.SELLER and user.is_active}
    result = {}
    for branch_id in branch_ids:
        ids = sorted((granted | assigned.get(branch_id, set())) & sellers)
        result[branch_id] = list(dict.fromkeys([*admins, *(users[pk].email for pk in ids)]))
    return result


def staff_emails_for_branch(branch_id: uuid.UUID) -> list[str]:
    return staff_emails_for_branches([branch_id])[branch_id]


# -- the admin's view of sellers' access (docs/api.md §36) ------------------------------------
@dataclass(frozen=True)
class SellerAccess:
    """``SellerAccessResponse``: the seller, its grant (if any) and its assigned branches."""

    user_id: uuid.UUID
    email: str
    all_branches: bool
    branches: list[dict]  # {id, code, name} by code; empty when all_branches
    granted_by: uuid.UUID | None
    granted_at: datetime | None

    @property
    def pending(self) -> bool:
        return not self.all_branches and not self.branches


def _access_of(users: list[directory.DirectoryUser]) -> list[SellerAccess]:
    """Three queries whatever the number of sellers: (users,) grants, assignments with branches."""
    ids = [user.id for user in users]
    grants = {grant.user_id: grant for grant in SellerGrant.objects.using(PRIMARY).filter(user_id__in=ids)}
    assigned: dict[uuid.UUID, list[dict]] = {}
    rows = (
        BranchAssignment.objects.using(PRIMARY)
        .filter(user_id__in=ids)
        .order_by(Collate(F("branch__code"), "C"), "branch_id")
        .values_list("user_id", "branch_id", "branch__code", "branch__name")
    )
    for user_id, branch_id, code, name in rows:
        assigned.setdefault(user_id, []).append({"id": branch_id, "code": code, "name": name})
    result = []
    for user in users:
        grant = grants.get(user.id)
        result.append(
            SellerAccess(
                user_id=user.id,
                email=user.email,
                all_branches=grant is not None,
                branches=[] if grant is not None else assigned.get(user.id, []),
                granted_by=grant.granted_by if grant is not None else None,
                granted_at=grant.created_at if grant is not None else None,
            )
        )
    return result


def seller_access_get(user_id: uuid.UUID) -> SellerAccess:
    """404 ``USER_NOT_FOUND``; 400 ``INVALID_ASSIGNMENT`` for a user who is not a seller."""
    user = directory.find_user(user_id)
    if user is None:
        raise UserNotFound()
    if user.role != Role.SELLER:
        raise InvalidAssignment
    return _access_of([user])[0]


def seller_access_list(*, pending_access: bool | None = None) -> list[SellerAccess]:
    """Every seller with its access, by e-mail then id; ``pending_access``: only those with no
    branch (True) or only those with some (False)."""
    sellers = _access_of(directory.sellers())
    if pending_access is None:
        return sellers
    return [seller for seller in sellers if seller.pending == pending_access]
