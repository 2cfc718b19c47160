"""What a list selector returns (docs/architecture.md §3.10): the rows of the list and how to
count them. A list whose exact total a row counter keeps (natjoub/db/counters.py) names that
counter, and ``count()`` reads it instead of ``COUNT(*)``; any other list is counted, by a statement
of its own or, for a ``counted_with_page`` queryset, in the page's statement (``COUNT(*) OVER ()``:
for a list whose filters and joins cost more than reading the page's columns twice)."""

from __future__ import annotations

from django.db.models import QuerySet

from natjoub.db import counters
from natjoub.db.union_pages import UnionPages


class PageSource:
    """``rows``: a queryset, ``UnionPages`` or a list, in the list's order; ``counter``: the name
    of the counter whose value is exactly the number of ``rows`` (None: count them);
    ``counted_with_page``: count a queryset, or rows with ``counted_values_page(lookups, start,
    stop)`` (tuples ending with the total; natjoub.api.output), in the statement that reads the page."""

    def __init__(
        self, rows: QuerySet | UnionPages | list, *, counter: str | None = None, counted_with_page: bool = False
    ):
        self.rows = rows
        self.counter = counter
        countable = isinstance(rows, QuerySet) or hasattr(rows, "counted_values_page")
        self.counted_with_page = counted_with_page and counter is None and countable

    def count(self) -> int:
        if self.counter is not None:
            return counters.total(self.counter)
        if isinstance(self.rows, list):
            return len(self.rows)
        return self.rows.count()

    @classmethod
    def of(cls, source: PageSource | QuerySet | UnionPages | list) -> PageSource:
        """A selector's answer as a page source (a plain queryset or list is counted)."""
        return source if isinstance(source, PageSource) else cls(source)
