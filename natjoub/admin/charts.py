"""Charts of the back office, app-agnostic (docs/architecture.md, "Charts in the back office").

An app describes a chart as data, a ``Chart``; one template partial (``CHART_TEMPLATE``) renders it
as a ``<canvas>`` that the static ``natjoub/charts.js`` draws with the vendored Chart.js, the
chart's data as a non-executable ``application/json`` block (``json_script``: no inline script,
so the pages work under a ``script-src 'self'`` Content-Security-Policy), a ``<details>`` data
table and a text summary (the chart for screen readers and for anyone who cannot tell the colours
apart). A dashboard panel whose template is ``CHART_PANEL_TEMPLATE`` shows the ``charts`` of its
context, so a registered panel adds a chart in a few lines::

    def orders_chart(request) -> dict:
        return chart_panel(Chart(id="orders", title=..., kind="bar", labels=days, series=[...], summary=...))

    dashboard_panels.register(DashboardPanel("orders_chart", "Orders", CHART_PANEL_TEMPLATE, orders_chart))

An admin page outside the dashboard adds ``CHART_MEDIA`` to its ``ModelAdmin.media`` and includes
``CHART_TEMPLATE`` with ``chart=…``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django import forms

CHART_TEMPLATE = "admin/charts/chart.html"
CHART_PANEL_TEMPLATE = "admin/charts/panel.html"
CHART_JS = ("natjoub/vendor/chartjs/chart.umd.min.js", "natjoub/charts.js")
CHART_CSS = ("natjoub/charts.css",)
CHART_MEDIA = forms.Media(js=CHART_JS, css={"all": CHART_CSS})

Number = int | float | Decimal | None
# bar / line: drawn like the chart; step: a line that keeps its value until the next point (a
# balance); marker: a short horizontal tick per label (a threshold such as a reorder level).
SeriesStyle = Literal["bar", "line", "step", "marker"]


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[Number]
    style: SeriesStyle | None = None  # None: the chart's kind


@dataclass(frozen=True)
class Chart:
    """One chart: ``labels`` along the category axis, one value per label in each series."""

    id: str  # unique on the page: the element ids are derived from it
    title: str
    kind: Literal["bar", "line"]
    labels: Sequence[str]
    series: Sequence[Series]
    summary: str
    stacked: bool = False
    horizontal: bool = False
    label_header: str = ""  # the data table's first column
    value_label: str = ""  # the value axis' title
    empty: str = "No data."  # shown instead of the chart when there are no labels

    def __post_init__(self) -> None:
        for series in self.series:
            if len(series.values) != len(self.labels):
                raise ValueError(f"chart {self.id!r}: series {series.label!r} has {len(series.values)} values "
                                 f"for {len(self.labels)} labels")  # fmt: skip

    @property
    def element_id(self) -> str:
        return f"chart-{self.id}"

    @property
    def data_id(self) -> str:
        return f"chart-{self.id}-data"

    @property
    def is_empty(self) -> bool:
        return not self.labels

    def rows(self) -> list[tuple[str, list[Number]]]:
        """The data table: one row per label, one cell per series."""
        return [(label, [series.values[i] for series in self.series]) for i, label in enumerate(self.labels)]

    def config(self) -> dict[str, Any]:
        """What ``charts.js`` reads (through ``json_script``): numbers as JSON numbers."""
        return {
            "kind": self.kind,
            "title": self.title,
            "labels": list(self.labels),
            "stacked": self.stacked,
            "horizontal": self.horizontal,
            "valueLabel": self.value_label,
            "series": [
                {"label": s.label, "style": s.style or self.kind, "values": [_number(v) for v in s.values]}
                for s in self.series
            ],
        }


def _number(value: Number) -> int | float | None:
    if isinstance(value, Decimal):
        return float(value)
    return value


def chart_panel(*charts: Chart, **context: Any) -> dict[str, Any]:
    """The context of a ``CHART_PANEL_TEMPLATE`` panel."""
    return {"charts": list(charts), **context}


def per_request[T](request, key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per request (several panels of a page share a figure); never kept
    beyond the request, so a chart never shows figures older than the page."""
    cache = request.__dict__.setdefault("_natjoub_chart_cache", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]
