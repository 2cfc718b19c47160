"""The inventory's charts (docs/architecture.md, "Charts in the back office"): figures from
``inventory_app.selectors.charts`` described as ``natjoub.admin.charts.Chart`` for the dashboard
and the item's admin page."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from inventory_app.selectors import charts as figures
from natjoub.admin.charts import Chart, Series

MOVEMENT_DAYS = 30
BALANCE_MOVEMENTS = 200  # the item page's balance chart: the item's last movements


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def movement_days(today: date, days: int = MOVEMENT_DAYS) -> list[date]:
    return [today - timedelta(days=days - 1 - i) for i in range(days)]


def movements_chart(*, branch_ids: figures.BranchIds, scope: str, now: datetime | None = None) -> Chart:
    now = now or timezone.now()
    days = movement_days(now.astimezone(UTC).date())
    counts = figures.movements_per_day(since=days[0], branch_ids=branch_ids)
    series = [Series(str(group), [counts.get((day, group), 0) for day in days]) for group in figures.MOVEMENT_GROUPS]
    per_day = [sum(s.values[i] for s in series) for i in range(len(days))]
    total = sum(per_day)
    average = total / len(days)
    today = per_day[-1]
    if total:
        busiest = max(range(len(days)), key=lambda i: (per_day[i], i))
        compared = "above" if today > average * 1.2 else "below" if today < average * 0.8 else "about"
        summary = (
            f"{total:,} movements in the last {len(days)} days at {scope}, {average:,.1f} a day on average; "
            f"busiest day {days[busiest].isoformat()} with {per_day[busiest]:,}; "
            f"today {today:,}, {compared} the average."
        )
    else:
        summary = f"No movements in the last {len(days)} days at {scope}."
    return Chart(
        id="movements-per-day",
        title=f"Movements per day, last {len(days)} days ({scope})",
        kind="bar",
        labels=[day.isoformat() for day in days],
        series=series,
        summary=summary,
        stacked=True,
        label_header="Day (UTC)",
        value_label="Movements",
    )


def stock_value_chart(*, branch_ids: figures.BranchIds, scope: str) -> Chart:
    rows = figures.stock_value_by_branch(branch_ids=branch_ids)
    available = sum((r.available for r in rows), Decimal(0))
    reserved = sum((r.reserved for r in rows), Decimal(0))
    if rows:
        top = max(rows, key=lambda r: r.available + r.reserved)
        summary = (
            f"Stock worth {_money(available + reserved)} at {len(rows)} branch{'es' if len(rows) != 1 else ''} "
            f"({scope}): {_money(available)} available, {_money(reserved)} reserved; "
            f"the most at {top.code} ({_money(top.available + top.reserved)})."
        )
    else:
        summary = f"No stock at {scope}."
    return Chart(
        id="stock-value",
        title=f"Stock value by branch ({scope})",
        kind="bar",
        labels=[r.code for r in rows],
        series=[
            Series("Available", [r.available for r in rows]),
            Series("Reserved", [r.reserved for r in rows]),
        ],
        summary=summary,
        stacked=True,
        label_header="Branch",
        value_label="Value (quantity × unit price)",
        empty=summary,
    )


def reorder_chart(*, branch_ids: figures.BranchIds, scope: str, limit: int = 10) -> Chart:
    rows = figures.nearest_reorder(branch_ids=branch_ids, limit=limit)
    below = sum(1 for r in rows if r.margin <= 0)
    if rows:
        first = rows[0]
        summary = (
            f"{below} of these {len(rows)} stock rows ({scope}) are at or below their reorder level; "
            f"nearest: {first.sku} at {first.branch_code}, {first.available} available "
            f"for a reorder level of {first.reorder_level}."
        )
    else:
        summary = f"No stock rows of active items at {scope}."
    return Chart(
        id="nearest-reorder",
        title=f"The {limit} items nearest their reorder level ({scope})",
        kind="bar",
        labels=[f"{r.sku} @ {r.branch_code}" for r in rows],
        series=[
            Series("Available", [r.available for r in rows]),
            Series("Reorder level", [r.reorder_level for r in rows], style="marker"),
        ],
        summary=summary,
        horizontal=True,
        label_header="Item @ branch",
        value_label="Units",
        empty=summary,
    )


# -- one item ---------------------------------------------------------------------------------
def item_stock_chart(item_id: uuid.UUID) -> Chart:
    rows = figures.item_stock_by_branch(item_id)
    available = sum(r.available for r in rows)
    reserved = sum(r.reserved for r in rows)
    summary = (
        f"{available + reserved:,} units at {len(rows)} branch{'es' if len(rows) != 1 else ''}: "
        f"{available:,} available, {reserved:,} reserved."
        if rows
        else "No stock row at any branch."
    )
    return Chart(
        id="item-stock",
        title="Stock per branch",
        kind="bar",
        labels=[r.branch_code for r in rows],
        series=[Series("Available", [r.available for r in rows]), Series("Reserved", [r.reserved for r in rows])],
        summary=summary,
        stacked=True,
        label_header="Branch",
        value_label="Units",
        empty=summary,
    )


def item_balance_chart(item_id: uuid.UUID, *, limit: int = BALANCE_MOVEMENTS) -> Chart:
    """One line per branch: its balance after each of the item's last ``limit`` movements (the
    value stays until a movement at that branch changes it; empty before the first one seen)."""
    points = figures.item_balance_history(item_id, limit=limit)
    branches: list[str] = []
    for p in points:
        for code in (p.from_code, p.to_code):
            if code is not None and code not in branches:
                branches.append(code)
    columns: dict[str, list[int | None]] = {code: [] for code in branches}
    current: dict[str, int | None] = dict.fromkeys(branches)
    labels = []
    for p in points:
        if p.from_code is not None and p.from_balance_after is not None:
            current[p.from_code] = p.from_balance_after
        if p.to_code is not None and p.to_balance_after is not None:
            current[p.to_code] = p.to_balance_after
        for code in branches:
            columns[code].append(current[code])
        labels.append(f"{p.created_at:%Y-%m-%d %H:%M} {p.movement_type}")
    if points:
        latest = ", ".join(f"{code} {current[code]}" for code in branches if current[code] is not None)
        summary = (
            f"Balance after each of the item's last {len(points)} movements, "
            f"{points[0].created_at:%Y-%m-%d} to {points[-1].created_at:%Y-%m-%d}; now {latest}."
        )
    else:
        summary = "No movement of this item yet."
    return Chart(
        id="item-balance",
        title=f"Ledger balance per branch (last {limit} movements)",
        kind="line",
        labels=labels,
        series=[Series(code, columns[code], style="step") for code in branches],
        summary=summary,
        label_header="Movement (UTC)",
        value_label="Units after the movement",
        empty=summary,
    )
