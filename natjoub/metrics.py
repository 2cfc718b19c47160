"""Prometheus metrics shared by the whole service (docs/api.md §17.2).

Counters are process-local unless PROMETHEUS_MULTIPROC_DIR is set (``manage.py serve`` sets it),
in which case every worker writes to that folder and ``/metrics`` aggregates them. Gauges that
describe database state are computed at scrape time by collectors registered here.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import DatabaseError
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class ScrapeGauge:
    """A gauge computed at every scrape from the database (``value()``, usually a selector's count),
    so every process reports the same current figure; skipped with a warning while the database is
    unavailable, so ``/metrics`` still answers."""

    name: str
    documentation: str
    value: Callable[[], float]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            value = self.value()
        except DatabaseError:
            logger.warning("%s skipped: database unavailable", self.name)
            return
        gauge = GaugeMetricFamily(self.name, self.documentation)
        gauge.add_metric([], value)
        yield gauge


def register_gauge(name: str, documentation: str, value: Callable[[], float]) -> ScrapeGauge:
    """An app's scrape-time gauge (called in ``AppConfig.ready()``, docs/architecture.md §1.4)."""
    gauge = ScrapeGauge(name, documentation, value)
    clash = [c for c in _scrape_collectors if isinstance(c, ScrapeGauge) and c.name == name and c != gauge]
    if clash:
        raise ValueError(f"gauge {name!r} is already registered")
    register_scrape_collector(gauge)
    return gauge


def unregister_gauge(name: str) -> None:
    """Forget a gauge (tests that register a throwaway one)."""
    _scrape_collectors[:] = [c for c in _scrape_collectors if not (isinstance(c, ScrapeGauge) and c.name == name)]


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
