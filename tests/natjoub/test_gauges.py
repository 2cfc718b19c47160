"""Scrape-time gauges: one collector in the core (natjoub/metrics.py) that apps register gauges with
(docs/architecture.md §1.4)."""

import pytest
from django.db import OperationalError
from prometheus_client import REGISTRY

from natjoub.metrics import ScrapeGauge, _scrape_collectors, register_gauge, unregister_gauge


@pytest.fixture
def probe_gauge():
    yield "natjoub_probe_gauge"
    unregister_gauge("natjoub_probe_gauge")


@pytest.mark.django_db  # the apps' gauges are scraped too
def test_a_registered_gauge_is_scraped_with_its_current_value(probe_gauge, client):
    figures = iter([3, 5])
    register_gauge(probe_gauge, "A probe", lambda: next(figures))
    assert REGISTRY.get_sample_value(probe_gauge) == 3
    assert f"{probe_gauge} 5.0" in client.get("/metrics").content.decode()


def test_a_gauge_is_skipped_while_the_database_is_down(probe_gauge, caplog):
    def broken():
        raise OperationalError("connection refused")

    gauge = register_gauge(probe_gauge, "A probe", broken)
    assert list(gauge.collect()) == []
    assert f"{probe_gauge} skipped: database unavailable" in caplog.text


def test_a_name_is_registered_once(probe_gauge):
    def count():
        return 1

    register_gauge(probe_gauge, "A probe", count)
    register_gauge(probe_gauge, "A probe", count)  # the same gauge again (ready() twice) is harmless
    with pytest.raises(ValueError, match="already registered"):
        register_gauge(probe_gauge, "Another", count)


def test_the_apps_gauges_go_through_the_core_collector():
    names = {c.name for c in _scrape_collectors if isinstance(c, ScrapeGauge)}
    assert {"inventory_low_stock_items", "natjoub_stock_alerts_open"} <= names
