"""docker-compose.yml: the default stack and the `cluster` profile."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.deploy import files
from tests.deploy.files import (
    ALLOWED_ENV_VARS,
    APP_PORT,
    COMPOSE_DIR,
    ROOT,
)

# --------------------------------------------------------------------------------------------- compose


def test_compose_services():
    services = files.compose()["services"]
    assert {"app", "postgres", "prometheus", "grafana"} <= set(services)


def test_compose_app():
    app = files.compose()["services"]["app"]
    assert APP_PORT in files.compose_container_ports(app)

    env = files.compose_env(app)
    assert set(env) <= ALLOWED_ENV_VARS, sorted(set(env) - ALLOWED_ENV_VARS)
    assert env.get("PORT", str(APP_PORT)) == str(APP_PORT)
    assert env["DATABASE_URL"] == "postgresql://postgres:postgres@postgres:5432/microservice_db"
    assert env["JWT_SECRET"]
    assert env["DJANGO_SECRET_KEY"]
    assert "APP_ENVIRONMENT" in env

    depends_on = app["depends_on"]
    assert isinstance(depends_on, dict), "depends_on needs the long form to wait for postgres"
    assert depends_on["postgres"]["condition"] == "service_healthy"


def test_compose_postgres():
    postgres = files.compose()["services"]["postgres"]
    assert postgres["image"].startswith("postgres:16")
    env = files.compose_env(postgres)
    assert env["POSTGRES_DB"] == "microservice_db"
    assert env["POSTGRES_USER"] == "postgres"
    assert env["POSTGRES_PASSWORD"] == "postgres"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    named_volumes = set(files.compose().get("volumes") or {})
    volume_sources = {str(v).split(":")[0] for v in postgres["volumes"]}
    assert volume_sources & named_volumes, "postgres data should live in a named volume"


def test_compose_bind_mounts_exist():
    for name, service in files.compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else str(volume).split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


def test_compose_monitoring_stack():
    services = files.compose()["services"]
    prometheus = services["prometheus"]
    assert prometheus["image"].startswith("prom/prometheus")
    assert 9090 in files.compose_container_ports(prometheus)
    assert any(str(v).startswith("./deploy/prometheus.yml:") for v in prometheus["volumes"])

    grafana = services["grafana"]
    assert grafana["image"].startswith("grafana/grafana")
    assert 3000 in files.compose_container_ports(grafana)
    env = files.compose_env(grafana)
    assert env["GF_SECURITY_ADMIN_USER"] == "admin"
    mounts = {str(v).split(":")[0]: str(v).split(":")[1] for v in grafana["volumes"]}
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    assert mounts["./deploy/grafana/dashboards"] == "/var/lib/grafana/dashboards"


# --------------------------------------------------------------------------------------------- exposure
# docs/api.md §35: only the API on every interface; no default passwords.
API_ENTRY_POINTS = {("app", APP_PORT), ("haproxy", APP_PORT)}  # the stack's API and the cluster's


def test_compose_publishes_only_the_api_on_every_interface():
    for name, service in files.compose()["services"].items():
        for host_ip, host_port, target in files.compose_published(service):
            if (name, target) in API_ENTRY_POINTS:
                continue
            assert host_ip == "127.0.0.1", f"{name} publishes {host_port}->{target} on every interface"


@pytest.mark.parametrize("name", ["postgres", "prometheus", "grafana", "mailpit"])
def test_compose_local_services_are_published_on_localhost_or_not_at_all(name):
    service = files.compose()["services"][name]
    assert {host_ip for host_ip, _, _ in files.compose_published(service)} <= {"127.0.0.1"}


def test_compose_grafana_has_no_default_password():
    env = files.compose_env(files.compose()["services"]["grafana"])
    password = env["GF_SECURITY_ADMIN_PASSWORD"]
    # compose refuses to start unless GRAFANA_ADMIN_PASSWORD is set: no fallback value
    assert re.fullmatch(r"\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}", password), password
    assert not any(key.startswith("GF_SECURITY_ADMIN_PASSWORD_") for key in env)


def test_compose_valkey_requires_a_password_the_nodes_send():
    from natjoub.production import redis_url_problem

    services = files.compose()["services"]
    command = services["valkey"]["command"]
    assert command[command.index("--requirepass") + 1].startswith("${VALKEY_PASSWORD:?")
    assert "ports" not in services["valkey"], "Valkey is reached inside the compose network only"
    for name, service in services.items():
        url = files.compose_env(service).get("REDIS_URL")
        if url is None:
            continue
        assert re.fullmatch(r"redis://:\$\{VALKEY_PASSWORD(:\?[^}]+)?\}@valkey:6379/\d+", url), (name, url)
        # what production's start-up check (natjoub/production.py) sees once compose substituted it
        expanded = re.sub(r"\$\{VALKEY_PASSWORD[^}]*\}", "0123abcd", url)
        assert redis_url_problem(expanded) is None


def _cluster_services() -> dict[str, dict]:
    return {name: svc for name, svc in files.compose()["services"].items() if "cluster" in (svc.get("profiles") or [])}


def _url_host(url: str) -> str:
    return url.split("@", 1)[1].split("/", 1)[0].split(":")[0]


def _ini(path: Path) -> dict[str, str]:
    pairs = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith((";", "#", "[")) and "=" in line:
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def _haproxy_lines(text: str, keyword: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith(keyword)]


def test_compose_cluster_profile_has_the_make_cluster_topology():
    services = _cluster_services()
    apps = sorted(name for name in services if name.startswith("app-"))
    assert apps == ["app-1", "app-2", "app-3"]
    assert {"pg-primary", "pg-replica-1", "pg-replica-2", "pgbouncer", "valkey", "haproxy", "cluster-migrate"} <= set(
        services
    )
    # The default stack is untouched: no service of the default profile depends on the cluster.
    assert "profiles" not in files.compose()["services"]["app"]

    for name in apps:
        app = services[name]
        env = files.compose_env(app)
        assert set(env) <= ALLOWED_ENV_VARS, sorted(set(env) - ALLOWED_ENV_VARS)
        assert _url_host(env["DATABASE_URL"]) == "pgbouncer"
        assert env["DATABASE_TRANSACTION_POOLING"] == "true"
        replica_hosts = [_url_host(url) for url in env["DATABASE_REPLICA_URLS"].split(",")]
        assert replica_hosts == ["pg-replica-1", "pg-replica-2"]
        assert _url_host(env["REDIS_URL"]) == "valkey"
        assert env["TRUSTED_PROXY_COUNT"] == "1", "HAProxy appends the client to X-Forwarded-For"
        assert app["command"] == ["python", "manage.py", "serve", "--no-migrate", "--no-seed"]
        assert app["depends_on"]["cluster-migrate"]["condition"] == "service_completed_successfully"

    migrate = services["cluster-migrate"]
    assert _url_host(files.compose_env(migrate)["DATABASE_URL"]) == "pg-primary", "migrations go to the primary"
    assert "migrate" in " ".join(migrate["command"])


def test_compose_cluster_replicas_stream_from_the_primary():
    script = (COMPOSE_DIR / "replica-entrypoint.sh").read_text(encoding="utf-8")
    assert "pg_basebackup -h pg-primary" in script
    assert "-R -X stream" in script
    assert "host replication" in (COMPOSE_DIR / "primary-replication.sh").read_text(encoding="utf-8")
    for name in ("pg-replica-1", "pg-replica-2"):
        replica = _cluster_services()[name]
        assert replica["depends_on"]["pg-primary"]["condition"] == "service_healthy"
        assert "pg_isready" in " ".join(replica["healthcheck"]["test"])


def test_compose_cluster_pgbouncer_runs_in_transaction_mode_in_front_of_the_primary():
    ini = _ini(COMPOSE_DIR / "pgbouncer.ini")
    assert ini["pool_mode"] == "transaction"
    assert "host=pg-primary" in ini["*"]
    port = int(ini["listen_port"])
    app_env = files.compose_env(_cluster_services()["app-1"])
    assert app_env["DATABASE_URL"].split("@", 1)[1].startswith(f"pgbouncer:{port}/")


def test_compose_cluster_haproxy_checks_every_node_like_make_cluster():
    from natjoub.cluster.haproxy import HAProxy

    compose_cfg = (COMPOSE_DIR / "haproxy.cfg").read_text(encoding="utf-8")
    ours = HAProxy(Path("/nonexistent"), 8080, [("node1", 1)]).config()
    for keyword in ("http-check send", "http-check expect", "option httpchk", "balance", "option forwardfor"):
        assert _haproxy_lines(compose_cfg, keyword) == _haproxy_lines(ours, keyword), keyword
    check = _haproxy_lines(compose_cfg, "http-check send")[0]
    assert "uri /health/ready" in check
    assert "hdr Host" in check, "Django answers 400 to a request without a Host header"
    servers = [line.split()[1] for line in _haproxy_lines(compose_cfg, "server ")]
    assert servers == ["app-1", "app-2", "app-3"]
    assert all(line.endswith(" check") for line in _haproxy_lines(compose_cfg, "server "))
    haproxy = _cluster_services()["haproxy"]
    assert any(str(v).startswith("./deploy/compose/haproxy.cfg:") for v in haproxy["volumes"])
