"""Prometheus scrape configuration and the Grafana provisioning and dashboard."""

from __future__ import annotations

from tests.deploy import files
from tests.deploy.files import (
    APP_METRICS,
    APP_PORT,
    DEPLOY,
    DJANGO_DB_PREFIX,
    HISTOGRAM_SUFFIXES,
)

# --------------------------------------------------------------------------------------------- Prometheus and Grafana


def test_prometheus_scrapes_the_app():
    config = files.load_one_yaml(DEPLOY / "prometheus.yml")
    jobs = [
        job
        for job in config["scrape_configs"]
        if any(f"app:{APP_PORT}" in static.get("targets", []) for static in job.get("static_configs", []))
    ]
    assert len(jobs) == 1
    assert jobs[0]["metrics_path"] == "/metrics"
    assert APP_PORT in files.compose_container_ports(files.compose()["services"]["app"])


def test_grafana_datasource():
    config = files.load_one_yaml(DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml")
    datasources = {ds["name"]: ds for ds in config["datasources"]}
    prometheus = datasources["Prometheus"]
    assert prometheus["type"] == "prometheus"
    assert prometheus["uid"] == "prometheus"
    assert prometheus["url"] == "http://prometheus:9090"


def test_grafana_dashboard_provider():
    config = files.load_one_yaml(DEPLOY / "grafana" / "provisioning" / "dashboards" / "dashboards.yml")
    providers = config["providers"]
    assert any(p["type"] == "file" and p["options"]["path"] == "/var/lib/grafana/dashboards" for p in providers)


def test_grafana_dashboard_uses_the_provisioned_datasource():
    dashboard = files.dashboard()
    assert dashboard["title"]
    panels = files.dashboard_panels(dashboard["panels"])
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"

    datasources = [panel["datasource"] for panel in panels if "datasource" in panel]
    datasources += [t["datasource"] for panel in panels for t in panel.get("targets", []) if "datasource" in t]
    datasources += [v["datasource"] for v in dashboard.get("templating", {}).get("list", []) if "datasource" in v]
    assert datasources
    for datasource in datasources:
        assert isinstance(datasource, dict), datasource
        assert datasource["uid"] == "prometheus"

    for panel in panels:
        if panel["type"] != "row":
            assert panel.get("targets"), f"panel {panel['title']!r} has no queries"


def test_grafana_dashboard_only_uses_known_metrics():
    used = set()
    for expr in files.dashboard_exprs(files.dashboard()):
        used |= files.promql_metric_names(expr)
    unknown = sorted(name for name in used if not files.metric_is_known(name))
    assert unknown == []

    # Every application metric appears on the dashboard, and the database panels use django-prometheus.
    covered = {name for name in used if name in APP_METRICS}
    covered |= {name[: -len(s)] for name in used for s in HISTOGRAM_SUFFIXES if name.endswith(s)}
    assert sorted(APP_METRICS - covered) == []
    assert any(name.startswith(DJANGO_DB_PREFIX) for name in used)


def test_promql_metric_name_extraction():
    expr = (
        'histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{instance=~"$x",'
        'status=~"5.."}[$__rate_interval]))) / clamp_min(sum(up) without (job), 1e-9) or vector(0)'
    )
    assert files.promql_metric_names(expr) == {"http_request_duration_seconds_bucket", "up"}
