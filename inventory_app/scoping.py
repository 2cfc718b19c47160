"""Seller branch scoping (docs/api.md §26), in one place every stock route uses.

A seller with no branch assignment acts on every branch; a seller with assignments is *scoped*
to them; admins (and the back office, and management commands) are never scoped. The rule is
expressed here twice, for the two ways stock is read and written, and nowhere else:

* ``BranchScopedQuerySet.restrict(scope)`` (NetBox's ``RestrictedQuerySet.restrict``): reads keep
  the rows whose branch (any of the model's ``scope_branch_fields``) is assigned, or all rows when
  the caller has no assignment. It is a condition inside the list's or the lookup's own SQL
  (``NOT EXISTS (…) OR branch_id IN (…)``), so scoping costs no extra query and a row outside the
  scope is simply not found (404).
* ``BranchScope.allowed_sql(column)``: the same condition as a boolean column, selected by the
  statement that already locks the branches a write names (services), so the 403 is decided
  without another round trip.

Assignments are read by every request inside its own statements: removing one takes effect on
the next request. Nothing is cached.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

SELLER_ROLE = "seller"  # the token's role claim (docs/api.md §5); admins and the back office are never scoped


def _assignments_table() -> str:
    from inventory_app.models import BranchAssignment

    return BranchAssignment._meta.db_table


@dataclass(frozen=True)
class BranchScope:
    """The branches a caller may act on: ``user_id`` None means every branch."""

    user_id: uuid.UUID | None = None

    @classmethod
    def of_request(cls, request) -> BranchScope:
        """Sellers are scoped by their assignments; every other caller acts everywhere. The role
        is the access token's claim, as for every authorization decision (docs/api.md §4.2)."""
        token = getattr(request, "auth", None)
        role = token.get("role") if token is not None else None
        return cls(request.user.pk if role == SELLER_ROLE else None)

    @property
    def unrestricted(self) -> bool:
        return self.user_id is None

    def assignments(self) -> QuerySet:
        from inventory_app.models import BranchAssignment

        return BranchAssignment.objects.filter(user_id=self.user_id)

    def covers(self, *branch_fields: str) -> Q:
        """Rows any of whose ``branch_fields`` is assigned, or every row for an unscoped seller."""
        assigned = self.assignments()
        condition = ~Exists(assigned)
        for field in branch_fields:
            condition |= Q(**{f"{field}_id__in": assigned.values("branch_id")})
        return condition

    def allows(self, branch_field: str) -> ExpressionWrapper:
        """A boolean annotation: may the caller act on the row's ``branch_field``?"""
        if self.unrestricted:
            return ExpressionWrapper(Q(pk__isnull=False), output_field=BooleanField())
        assigned = self.assignments()
        condition = ~Exists(assigned) | Exists(assigned.filter(branch_id=OuterRef(branch_field)))
        return ExpressionWrapper(condition, output_field=BooleanField())

    def allowed_sql(self, column: str) -> tuple[str, list]:
        """The same boolean for raw SQL, over a branch id ``column`` of the statement."""
        if self.unrestricted:
            return "TRUE", []
        table = _assignments_table()
        sql = (
            f"(NOT EXISTS (SELECT 1 FROM {table} sa WHERE sa.user_id = %s)"  # noqa: S608 - model metadata
            f" OR EXISTS (SELECT 1 FROM {table} sa WHERE sa.user_id = %s AND sa.branch_id = {column}))"
        )
        return sql, [self.user_id, self.user_id]


EVERYWHERE = BranchScope()


class BranchScopedQuerySet(QuerySet):
    """Querysets of stock data; the model names its branch foreign keys in ``scope_branch_fields``."""

    def restrict(self, scope: BranchScope) -> BranchScopedQuerySet:
        if scope.unrestricted:
            return self
        return self.filter(scope.covers(*self.model.scope_branch_fields))
