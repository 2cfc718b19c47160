"""Branch assignments of sellers (docs/api.md §26). A seller with assignments is scoped to them
(inventory_app.scoping); the change takes effect on the seller's next request. Each change is a
security event (natjoub.audit): who assigned or removed whom, where."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from inventory_app.exceptions import AssignmentNotFound, BranchNotFound, InvalidAssignment, UserNotFound
from inventory_app.models import Branch, BranchAssignment
from inventory_app.scoping import SELLER_ROLE
from natjoub.audit import audit


def _checked(branch_id: uuid.UUID, user_id: uuid.UUID) -> BranchAssignment | None:
    """The branch (404), the user (404), its role (400), in that order; the existing assignment."""
    if not Branch.objects.filter(pk=branch_id).exists():
        raise BranchNotFound(branch_id=branch_id)
    role = get_user_model().objects.filter(pk=user_id).values_list("role__name", flat=True).first()
    if role is None:
        raise UserNotFound(user_id=user_id)
    if role != SELLER_ROLE:
        raise InvalidAssignment
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
