"""Sellers' access (docs/api.md §26, §36): branch assignments and the all-branches grant. Without
either a seller acts on no branch (inventory_app.selectors.access); a change takes effect on the
seller's next request, on every node. Each change is a security event (natjoub.audit): who
granted or removed whose access, where (a branch id, or ``all``)."""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction

from auth_app import directory
from auth_app.directory import Role
from inventory_app.exceptions import (
    AssignmentNotFound,
    BranchNotFound,
    GrantNotFound,
    InvalidAssignment,
    UserNotFound,
)
from inventory_app.models import Branch, BranchAssignment, SellerGrant
from natjoub.audit import audit

ALL_BRANCHES = "all"  # the audit's ``branch_id`` of the all-branches grant


def seller_checked(user_id: uuid.UUID) -> directory.DirectoryUser:
    """The user (404), then its role (400: only sellers get access)."""
    user = directory.find_user(user_id)
    if user is None:
        raise UserNotFound()
    if user.role != Role.SELLER:
        raise InvalidAssignment
    return user


def _checked(branch_id: uuid.UUID, user_id: uuid.UUID) -> BranchAssignment | None:
    """The branch (404), the user (404), its role (400), in that order; the existing assignment."""
    if not Branch.objects.filter(pk=branch_id).exists():
        raise BranchNotFound(branch_id=branch_id)
    seller_checked(user_id)
    return BranchAssignment.objects.filter(branch_id=branch_id, user_id=user_id).first()


def assignment_create(
    *, branch_id: uuid.UUID, user_id: uuid.UUID, created_by: uuid.UUID | None
) -> tuple[BranchAssignment, bool]:
    """Assign a seller to a branch; idempotent: an existing assignment is returned unchanged.
    Returns (assignment, created). A concurrent identical request, or a branch or user deleted
    meanwhile, is resolved by checking again after the insert failed."""
    existing = _checked(branch_id, user_id)
    if existing is not None:
        return existing, False
    assignment = BranchAssignment(branch_id=branch_id, user_id=user_id, created_by=created_by)
    try:
        with transaction.atomic():
            assignment.save(force_insert=True)
            audit("branch_assignment.created", actor_id=created_by, target_id=user_id, branch_id=branch_id)
    except IntegrityError:
        existing = _checked(branch_id, user_id)
        if existing is None:
            raise
        return existing, False
    return assignment, True


def assignment_delete(*, branch_id: uuid.UUID, user_id: uuid.UUID, deleted_by: uuid.UUID | None = None) -> None:
    with transaction.atomic():
        deleted, _ = BranchAssignment.objects.filter(branch_id=branch_id, user_id=user_id).delete()
        if not deleted:
            raise AssignmentNotFound
        audit("branch_assignment.deleted", actor_id=deleted_by, target_id=user_id, branch_id=branch_id)


def assignments_removed_with_branch(*, branch_id: uuid.UUID, deleted_by: uuid.UUID | None) -> None:
    """Inside a branch deletion's transaction: delete the branch's assignments explicitly (not by
    the foreign key's cascade) and audit each one (docs/api.md §36: no access change is silent)."""
    user_ids = list(
        BranchAssignment.objects.filter(branch_id=branch_id).order_by("user_id").values_list("user_id", flat=True)
    )
    BranchAssignment.objects.filter(branch_id=branch_id).delete()
    for user_id in user_ids:
        audit(
            "branch_assignment.deleted",
            actor_id=deleted_by,
            target_id=user_id,
            branch_id=branch_id,
            reason="branch_deleted",
        )


def access_removed_with_user(*, sender=None, user_id: uuid.UUID, actor_id: uuid.UUID | None = None, **_) -> None:
    """``auth_app.directory.user_deleting`` receiver, inside the deletion's transaction: the user's
    grant and assignments go explicitly (not by the foreign keys' cascade), each audited with
    ``reason: user_deleted`` (docs/api.md §36: no access change is silent)."""
    branch_ids = list(
        BranchAssignment.objects.filter(user_id=user_id).order_by("branch_id").values_list("branch_id", flat=True)
    )
    BranchAssignment.objects.filter(user_id=user_id).delete()
    for branch_id in branch_ids:
        audit(
            "branch_assignment.deleted",
            actor_id=actor_id,
            target_id=user_id,
            branch_id=branch_id,
            reason="user_deleted",
        )
    granted, _ = SellerGrant.objects.filter(user_id=user_id).delete()
    if granted:
        audit(
            "seller_grant.deleted", actor_id=actor_id, target_id=user_id, branch_id=ALL_BRANCHES, reason="user_deleted"
        )


def grant_create(*, user_id: uuid.UUID, granted_by: uuid.UUID | None) -> tuple[SellerGrant, bool]:
    """Grant a seller every branch; idempotent (an existing grant is returned unchanged)."""
    seller_checked(user_id)
    try:
        with transaction.atomic():
            grant, created = SellerGrant.objects.get_or_create(user_id=user_id, defaults={"granted_by": granted_by})
            if created:
                audit("seller_grant.created", actor_id=granted_by, target_id=user_id, branch_id=ALL_BRANCHES)
    except IntegrityError:  # the user was deleted meanwhile: its 404
        seller_checked(user_id)
        raise
    return grant, created


def grant_delete(*, user_id: uuid.UUID, deleted_by: uuid.UUID | None) -> None:
    """Remove a seller's all-branches grant (its assignments, if any, apply again)."""
    seller_checked(user_id)
    with transaction.atomic():
        deleted, _ = SellerGrant.objects.filter(user_id=user_id).delete()
        if not deleted:
            raise GrantNotFound
        audit("seller_grant.deleted", actor_id=deleted_by, target_id=user_id, branch_id=ALL_BRANCHES)
