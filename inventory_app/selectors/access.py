"""TEMPORARY stand-in for the access module of branch wt-access (docs/api.md §36), written to its
interface so the order service can be built and tested before that branch is merged: on merge,
take wt-access's version of this file. Until then it applies the rule of §26 (a seller without
assignments acts everywhere)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS

from auth_app.directory import Role, emails, users_by_id


@dataclass(frozen=True)
class BranchAccess:
    every: bool = False
    branch_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    def allows(self, branch_id: uuid.UUID) -> bool:
        return self.every or branch_id in self.branch_ids

    @property
    def is_empty(self) -> bool:
        return not self.every and not self.branch_ids


def branch_access(*, user_id: uuid.UUID | None, role: str | None) -> BranchAccess:
    from inventory_app.models import BranchAssignment

    if role == Role.ADMIN:
        return BranchAccess(every=True)
    if role != Role.SELLER or user_id is None:
        return BranchAccess()
    assigned = frozenset(
        BranchAssignment.objects.using(DEFAULT_DB_ALIAS).filter(user_id=user_id).values_list("branch_id", flat=True)
    )
    return BranchAccess(every=not assigned, branch_ids=assigned)


def branch_access_of(request) -> BranchAccess:
    token = getattr(request, "auth", None)
    return branch_access(user_id=request.user.pk, role=token.get("role") if token is not None else None)


def staff_emails_for_branch(branch_id: uuid.UUID) -> list[str]:
    from inventory_app.models import BranchAssignment

    admins = emails(role=Role.ADMIN)
    assigned = BranchAssignment.objects.using(DEFAULT_DB_ALIAS).values_list("user_id", "branch_id")
    by_user: dict[uuid.UUID, set] = {}
    for user_id, assigned_branch in assigned:
        by_user.setdefault(user_id, set()).add(assigned_branch)
    sellers = [
        user
        for user in users_by_id(by_user).values()
        if user.role == Role.SELLER and user.is_active and branch_id in by_user[user.id]
    ]
    unassigned = [
        email
        for email in emails(role=Role.SELLER)
        if email not in {user.email for user in users_by_id(by_user).values()}
    ]
    return list(dict.fromkeys([*admins, *sorted(u.email for u in sellers), *unassigned]))
