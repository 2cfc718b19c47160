"""Pages of a list that is the union of disjoint querysets sharing one order.

``WHERE a = x OR b = x ORDER BY t LIMIT n`` follows neither the index on ``(a, t)`` nor the one on
``(b, t)``: PostgreSQL walks the whole table in ``t`` order filtering rows, or fetches every match
and sorts it, and both grow with the table. Split into disjoint parts (``a = x`` and
``b = x AND a IS DISTINCT FROM x``), page ``[start:stop]`` is at most ``stop`` rows of each part,
each read in index order, merged and cut by one statement:
``(part 1 LIMIT stop) UNION ALL (part 2 LIMIT stop) ORDER BY t OFFSET start LIMIT stop - start``.
The cost depends on the page, never on the table.
"""

from __future__ import annotations

from django.db.models import QuerySet


class UnionPages:
    """What ``MetaPagination.paginate`` needs of a list's rows: ``count()`` and a slice.

    ``parts``: disjoint querysets of one model with the same columns, joins and ``order_by`` (the
    list's order, ending in a unique column); ``counted``: the same rows as one queryset, counted
    when the caller has no exact total of its own."""

    def __init__(self, parts: list[QuerySet], counted: QuerySet):
        self.parts = parts
        self.counted = counted
        self.ordering = parts[0].query.order_by

    @property
    def db(self) -> str:
        return self.counted.db

    @property
    def model(self):
        return self.counted.model

    def count(self) -> int:
        return self.counted.count()

    def __getitem__(self, page: slice) -> list:
        if not isinstance(page, slice) or page.step is not None or page.stop is None:
            raise TypeError("UnionPages supports only bounded slices")
        return list(self.page(page.start or 0, page.stop))

    def page(self, start: int, stop: int) -> QuerySet:
        """Rows ``[start:stop]`` as one statement (the queryset, for EXPLAIN)."""
        stop = max(start, stop)
        heads = [part[:stop] for part in self.parts]
        return heads[0].union(*heads[1:], all=True).order_by(*self.ordering)[start:stop]

    def values_page(self, lookups: list[str], start: int, stop: int) -> QuerySet | None:
        """The same page as ``values_list(*lookups)`` tuples (natjoub.api.output.render_page),
        or None when the order is not among the columns (a union orders by its output columns)."""
        if any(str(name).lstrip("-") not in lookups for name in self.ordering):
            return None
        stop = max(start, stop)
        heads = [part.values_list(*lookups)[:stop] for part in self.parts]
        return heads[0].union(*heads[1:], all=True).order_by(*self.ordering)[start:stop]
