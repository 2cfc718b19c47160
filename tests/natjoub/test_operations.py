"""Operational endpoints, request ids, access logs, metrics, CORS and API docs (docs/api.md §17–§18)."""

import json
import logging
import re
import socket
import threading
import time

import pytest
from django.test import override_settings

from natjoub import health
from natjoub.logging import JsonFormatter
from tests.helpers import assert_error


@pytest.mark.parametrize(
    ("url", "body"),
    [("/", "NatJoub Microservices is running"), ("/health", "OK"), ("/health/live", "OK"), ("/health/live/", "OK")],
)
def test_plain_text_endpoints(client, url, body):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == body


@pytest.mark.django_db
def test_ready_when_database_answers(client):
    response = client.get("/health/ready")
    assert (response.status_code, response.content) == (200, b"OK")


def point_probe_at(monkeypatch, port: int) -> None:
    real = health.probe_conninfo()
    monkeypatch.setattr(health, "probe_conninfo", lambda: {**real, "host": "127.0.0.1", "port": str(port)})


@pytest.fixture
def unreachable_database(monkeypatch):
    """Point the readiness probe at a port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    point_probe_at(monkeypatch, port)


@pytest.mark.django_db
def test_ready_is_503_when_database_refuses(client, unreachable_database):
    response = client.get("/health/ready")
    assert (response.status_code, response.content) == (503, b"NOT READY")


@pytest.mark.django_db
def test_ready_is_503_within_two_seconds_when_database_hangs(client, monkeypatch):
    """A server that accepts connections but never answers must not hang the probe."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []
    stop = threading.Event()

    def accept_forever():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    point_probe_at(monkeypatch, listener.getsockname()[1])
    try:
        started = time.monotonic()
        response = client.get("/health/ready")
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()
    assert response.status_code == 503
    assert elapsed < 2.8


@pytest.mark.django_db
def test_request_id_is_echoed_when_safe_and_replaced_when_not(client):
    assert client.get("/health", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    generated = client.get("/health", HTTP_X_REQUEST_ID="evil\r\nSet-Cookie: x=1")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/health")["X-Request-ID"] != client.get("/health")["X-Request-ID"]


@pytest.mark.django_db
def test_access_log_is_one_json_line_without_query_string(client, caplog):
    with caplog.at_level(logging.INFO, logger="natjoub.access"):
        client.get("/health/live?token=secret-value", HTTP_X_REQUEST_ID="rid-1")
    records = [r for r in caplog.records if r.name == "natjoub.access"]
    assert len(records) == 1
    line = JsonFormatter().format(records[0])
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["request_id"] == "rid-1"
    assert (entry["method"], entry["route"], entry["status"]) == ("GET", "/health/live", 200)
    assert entry["duration_ms"] >= 0
    assert "secret-value" not in json.dumps(entry)


@pytest.mark.django_db
def test_metrics_use_route_templates(client):
    client.get("/health/live")
    client.get("/api/v1/definitely/unknown/42")
    text = client.get("/metrics").content.decode()
    assert 'http_requests_total{method="GET",route="/health/live",status="200"}' in text
    assert 'route="unmatched",status="404"' in text
    assert "/api/v1/definitely/unknown/42" not in text
    assert "http_request_duration_seconds_bucket" in text
    assert "django_db_" in text  # django-prometheus' database metrics through our backend


@pytest.mark.django_db
def test_cors_echoes_origin_with_credentials(client):
    response = client.get("/api/v1/inventory/items", HTTP_ORIGIN="https://shop.example")
    assert response["Access-Control-Allow-Origin"] == "https://shop.example"
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "origin" in response["Vary"].lower()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/admin/", "/health", "/metrics", "/"])
def test_cors_headers_only_on_api_paths(client, path):
    """Finding 5: the admin site (cookie sessions) answered any origin with credentials."""
    response = client.get(path, HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response
    preflight = client.options(path, HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "Access-Control-Allow-Origin" not in preflight


@pytest.mark.django_db
def test_cors_preflight_answers_200_without_auth(client):
    response = client.options(
        "/api/v1/inventory/items",
        HTTP_ORIGIN="https://shop.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )
    assert response.status_code == 200
    allowed = response["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type", "accept", "idempotency-key"} <= {h.strip() for h in allowed.split(",")}
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {
        "OPTIONS", "GET", "POST", "PUT", "DELETE", "PATCH",
    }  # fmt: skip


@pytest.mark.django_db
@override_settings(CORS_ALLOWED_ORIGINS=["https://allowed.example"], CORS_ALLOW_ALL_ORIGINS=False)
def test_cors_restricted_to_configured_origins(client):
    url = "/api/v1/inventory/items"
    assert client.get(url, HTTP_ORIGIN="https://allowed.example")["Access-Control-Allow-Origin"]
    assert "Access-Control-Allow-Origin" not in client.get(url, HTTP_ORIGIN="https://other.example")


@pytest.mark.django_db
def test_schema_and_docs_are_served_from_local_assets(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    for url in ("/api/docs/", "/api/redoc/"):
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html)
        assert external == [], external
        assets = re.findall(r"""(?:src|href)=["'](/static/[^"']+)""", html)
        assert assets
        for asset in assets:
            assert client.get(asset).status_code == 200, asset


@pytest.mark.parametrize("path", ["/", "/health", "/health/live", "/health/ready", "/metrics"])
def test_operations_routes_answer_other_methods_with_the_405_envelope(client, path):
    response = client.post(path, data=b"{}", content_type="application/json")
    assert_error(
        response,
        405,
        "METHOD_NOT_ALLOWED",
        "The HTTP method is not allowed for this endpoint",
        top="Method not allowed",
    )
    assert response["Allow"] == "GET, HEAD"


def test_operations_routes_answer_head(client, db):
    assert client.head("/health/live").status_code == 200
