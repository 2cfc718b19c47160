"""The branches a caller may act on, as a value, and the SQL that applies it (docs/api.md §36).

``BranchAccess`` is decided once per request by ``inventory_app.selectors.access.branch_access``
(one indexed query on the primary: a removed grant or assignment is never read from a lagging
replica, docs/api.md §35) and then passed, as explicit branch ids, into the statements of every
list, lookup and write:

* ``BranchScopedQuerySet.restrict(access)`` (NetBox's ``RestrictedQuerySet.restrict``): reads keep
  the rows one of whose branches (the model's ``scope_branch_fields``) is in the access; a row
  outside it is simply not found (404);
* ``access.allowed_sql_params()`` / ``access.allowed_expression(field)``: the same test as a boolean
  column, selected by the statement that already locks the branches a write names (services), so
  the 403 is decided without another round trip.

Nothing here reads the database: the rule itself (grant, else assignments; admins everything;
customers nothing) lives in selectors/access.py only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value


@dataclass(frozen=True)
class BranchAccess:
    """``every``: every branch, present and future; else exactly ``branch_ids`` (maybe none)."""

    every: bool = False
    branch_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    def allows(self, branch_id: uuid.UUID | None) -> bool:
        return self.every or branch_id in self.branch_ids

    @property
    def is_empty(self) -> bool:
        return not self.every and not self.branch_ids

    # -- the same test inside SQL -------------------------------------------------------------
    def covers(self, *branch_fields: str) -> Q:
        """Rows any of whose ``branch_fields`` is in the access (every row when ``every``)."""
        if self.every:
            return Q()
        if not self.branch_ids:
            return Q(pk__isnull=True)  # no row: a condition, not EmptyResultSet (union pages compile it)
        ids = sorted(self.branch_ids)
        condition = Q()
        for name in branch_fields:
            condition |= Q(**{f"{name}_id__in": ids})
        return condition

    def allowed_expression(self, branch_field: str) -> ExpressionWrapper:
        """A boolean annotation: may the caller act on the row's ``branch_field``?"""
        if self.every:
            return ExpressionWrapper(Value(True), output_field=BooleanField())
        if not self.branch_ids:
            return ExpressionWrapper(Value(False), output_field=BooleanField())
        return ExpressionWrapper(Q(**{f"{branch_field}__in": sorted(self.branch_ids)}), output_field=BooleanField())

    def allowed_sql_params(self) -> list:
        """What the same boolean binds in raw SQL (``inventory_app.sql.lock_named(every=…)``: TRUE
        when ``every``, else ``branch = ANY(<these ids>)``)."""
        return [] if self.every else [sorted(self.branch_ids)]


EVERYWHERE = BranchAccess(every=True)  # admins, the back office, management commands
NOWHERE = BranchAccess()  # customers, and sellers without any grant


class BranchScopedQuerySet(QuerySet):
    """Querysets of stock data; the model names its branch foreign keys in ``scope_branch_fields``."""

    def restrict(self, access: BranchAccess) -> BranchScopedQuerySet:
        if access.every:
            return self
        return self.filter(access.covers(*self.model.scope_branch_fields))
