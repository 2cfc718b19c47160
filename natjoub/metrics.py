"""Prometheus metrics shared by the whole service (docs/api.md §17.2).

Counters are process-local unless PROMETHEUS_MULTIPROC_DIR is set (``manage.py serve`` sets it),
in which case every worker writes to that folder and ``/metrics`` aggregates them. Gauges that
describe database state are computed at scrape time by collectors registered here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP request duration in seconds",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

RATE_LIMIT_BACKEND_ERRORS = Counter(
    "natjoub_rate_limit_backend_errors",
    "Requests let through because the rate-limit cache could not be reached (docs/api.md §29.1)",
)

_scrape_collectors: list = []


def register_scrape_collector(collector) -> None:
    """Add a collector (an object with ``collect()``) that runs at every scrape."""
    if collector not in _scrape_collectors:
        _scrape_collectors.append(collector)


class _ScrapeCollectors:
    def collect(self) -> Iterable:
        for collector in _scrape_collectors:
            yield from collector.collect()


_SCRAPE = _ScrapeCollectors()
REGISTRY.register(_SCRAPE)


def render_latest() -> tuple[bytes, str]:
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        registry.register(_SCRAPE)
    return generate_latest(registry), CONTENT_TYPE_LATEST
