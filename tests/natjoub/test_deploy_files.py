"""Consistency checks for the deployment files.

Dockerfile, .dockerignore, docker-compose.yml, deploy/prometheus.yml, the Grafana provisioning and
dashboard, and the Kubernetes manifests are parsed and cross-checked against each other, against
the contract's environment variables and metric names, and against the project's URLconf and
settings. Nothing here touches the database.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE_DIR = DEPLOY / "compose"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
SETTINGS_FILE = ROOT / "natjoub" / "settings.py"
PROJECT_PACKAGES = ["natjoub", "auth_app", "inventory_app"]

APP_PORT = 8080
NAMESPACE = "natjoub"

# docs/api.md §20, plus DJANGO_SECRET_KEY (required in production). Read by natjoub/settings.py.
SETTINGS_ENV_VARS = [
    "DATABASE_URL",
    "DATABASE_USER",
    "DATABASE_PASSWORD",
    "DATABASE_MAX_POOL_SIZE",
    "JWT_SECRET",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "JWT_ACCESS_TTL_SECONDS",
    "JWT_REFRESH_TTL_SECONDS",
    "APP_ENVIRONMENT",
    "CORS_ALLOWED_ORIGINS",
    "REDIS_URL",
    "DATABASE_REPLICA_URL",
    "DATABASE_REPLICA_URLS",
    "DATABASE_REPLICA_MAX_LAG_SECONDS",
    "DATABASE_TRANSACTION_POOLING",
    "LOG_LEVEL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL",
    "RATE_LIMIT_ENABLED",
    "RATE_LIMIT_AUTH_PER_MINUTE",
    "RATE_LIMIT_API_PER_MINUTE",
    "TRUSTED_PROXY_COUNT",
    "DJANGO_SECRET_KEY",
    # docs/api.md §32
    "ALLOWED_HOSTS",
    "RATE_LIMIT_LOGIN_FAILURES",
    "SESSION_COOKIE_AGE_SECONDS",
    "SESSION_IDLE_TIMEOUT_SECONDS",
    # docs/api.md §38 (backups)
    "BACKUP_DIR",
    "BACKUP_SYNCHRONOUS",
    "BACKUP_RETENTION",
    "BACKUP_MAX_AGE",
    "BACKUP_STREAMING",
]
# Process-level variables (PORT is in section 20 too): read by the settings or by the `serve` command,
# i.e. somewhere in the project's packages.
SERVER_ENV_VARS = ["PORT", "PROMETHEUS_MULTIPROC_DIR", "WEB_WORKERS", "WEB_THREADS"]
ALLOWED_ENV_VARS = frozenset([*SETTINGS_ENV_VARS, *SERVER_ENV_VARS])
REQUIRED_SECRETS = ["DATABASE_URL", "JWT_SECRET", "DJANGO_SECRET_KEY"]

# docs/api.md §17.2; histograms also expose _bucket/_count/_sum series.
APP_METRICS = frozenset(
    [
        "http_requests_total",
        "http_request_duration_seconds",
        "auth_login_attempts_total",
        "auth_registration_total",
        "auth_token_refresh_total",
        "auth_password_reset_total",
        "inventory_stock_movements_total",
        "inventory_items_created_total",
        "inventory_low_stock_items",
    ]
)
HISTOGRAM_SUFFIXES = ("_bucket", "_count", "_sum")
DJANGO_DB_PREFIX = "django_db_"

YAML_FILES = sorted([*DEPLOY.rglob("*.yml"), *DEPLOY.rglob("*.yaml"), COMPOSE_FILE])
JSON_FILES = sorted(DEPLOY.rglob("*.json"))


# --------------------------------------------------------------------------------------------- helpers


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _load_yaml(path: Path) -> list:
    with path.open(encoding="utf-8") as fh:
        return [doc for doc in yaml.safe_load_all(fh) if doc is not None]


def _load_one_yaml(path: Path) -> dict:
    docs = _load_yaml(path)
    assert len(docs) == 1, f"{_rel(path)}: expected one YAML document, found {len(docs)}"
    return docs[0]


def _k8s_objects() -> list[dict]:
    objects = []
    for path in sorted([*K8S.glob("*.yaml"), *K8S.glob("*.yml")]):
        objects.extend(_load_yaml(path))
    return objects


def _k8s_one(kind: str, name: str | None = None) -> dict:
    found = [
        obj for obj in _k8s_objects() if obj.get("kind") == kind and (name is None or obj["metadata"]["name"] == name)
    ]
    assert len(found) == 1, f"expected exactly one {kind} {name or ''} in deploy/k8s, found {len(found)}"
    return found[0]


def _compose() -> dict:
    return _load_one_yaml(COMPOSE_FILE)


def _compose_env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) for item in env)
        return {pair[0]: (pair[1] if len(pair) == 2 else "") for pair in pairs}
    return {key: "" if value is None else str(value) for key, value in env.items()}


def _compose_container_ports(service: dict) -> set[int]:
    ports = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:
            ports.add(int(str(entry).split("/")[0].rsplit(":", 1)[-1]))
    return ports


def _configmap() -> dict:
    return _k8s_one("ConfigMap")


def _secret() -> dict:
    return _k8s_one("Secret")


def _secret_keys(secret: dict) -> set[str]:
    return set(secret.get("stringData") or {}) | set(secret.get("data") or {})


def _deployment() -> dict:
    return _k8s_one("Deployment")


def _pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def _container(workload: dict) -> dict:
    containers = _pod_spec(workload)["containers"]
    assert len(containers) == 1, "expected a single container"
    return containers[0]


def _container_env_names(container: dict) -> list[str]:
    return [entry["name"] for entry in container.get("env", [])]


def _probe_port(probe: dict, container: dict) -> int:
    port = probe["httpGet"]["port"]
    if isinstance(port, int):
        return port
    named = {p.get("name"): p["containerPort"] for p in container["ports"]}
    assert port in named, f"probe port {port!r} is not a named container port"
    return named[port]


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions = []
    buffer = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if buffer and line.startswith("#"):
            continue
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        if buffer.strip():
            keyword, _, args = buffer.strip().partition(" ")
            instructions.append((keyword.upper(), args.strip()))
        buffer = ""
    return instructions


def _final_stage() -> list[tuple[str, str]]:
    instructions = _dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def _exec_form(args: str) -> list[str]:
    args = args.strip()
    if args.startswith("["):
        return json.loads(args)
    return shlex.split(args)


def _dockerignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def _dockerignored(rel_path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; a pattern matching a directory excludes its contents."""
    parts = rel_path.strip("/").split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for raw in patterns:
        negated = raw.startswith("!")
        pattern = raw[1:] if negated else raw
        pattern = pattern.strip("/")
        for candidate in candidates:
            matches = fnmatch.fnmatchcase(candidate, pattern)
            if not matches and pattern.startswith("**/"):
                matches = fnmatch.fnmatchcase(candidate.rsplit("/", 1)[-1], pattern[3:])
            if matches:
                excluded = not negated
                break
    return excluded


def _env_name_is_read(name: str, text: str) -> bool:
    return re.search(rf"""["']{re.escape(name)}["']""", text) is not None


_PROMQL_KEYWORDS = frozenset(
    ["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset"]
)


def _promql_metric_names(expr: str) -> set[str]:
    """Metric names used by a PromQL expression (good enough for dashboard queries)."""
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)
    text = re.sub(r"'(?:\\.|[^'\\])*'", "''", text)
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers, ${var}
    text = re.sub(r"\[[^\]]*\]", "", text)  # range selectors
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    names = set()
    for match in re.finditer(r"(?<![\w.$])[A-Za-z_:][A-Za-z0-9_:]*", text):
        word = match.group(0)
        if text[match.end() :].lstrip().startswith("("):
            continue  # function or aggregation
        if word.lower() in _PROMQL_KEYWORDS:
            continue
        names.add(word)
    return names


def _metric_is_known(name: str) -> bool:
    if name.startswith(DJANGO_DB_PREFIX) or name in APP_METRICS:
        return True
    return any(name.endswith(suffix) and name[: -len(suffix)] in APP_METRICS for suffix in HISTOGRAM_SUFFIXES)


def _dashboard() -> dict:
    return json.loads((DEPLOY / "grafana" / "dashboards" / "natjoub.json").read_text(encoding="utf-8"))


def _dashboard_panels(panels: list[dict]) -> list[dict]:
    flat = []
    for panel in panels:
        flat.append(panel)
        flat.extend(_dashboard_panels(panel.get("panels", [])))
    return flat


def _dashboard_exprs(dashboard: dict) -> list[str]:
    exprs = [
        target["expr"]
        for panel in _dashboard_panels(dashboard["panels"])
        for target in panel.get("targets", [])
        if target.get("expr")
    ]
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        query = query.get("query", "") if isinstance(query, dict) else query or ""
        match = re.match(r"\s*label_values\(\s*([^,()]+?)\s*,", query)
        if match:
            exprs.append(match.group(1))
    return exprs


# --------------------------------------------------------------------------------------------- syntax


def test_expected_files_exist():
    expected = [
        DOCKERFILE,
        DOCKERIGNORE,
        COMPOSE_FILE,
        DEPLOY / "prometheus.yml",
        DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml",
        DEPLOY / "grafana" / "provisioning" / "dashboards" / "dashboards.yml",
        DEPLOY / "grafana" / "dashboards" / "natjoub.json",
        K8S / "configmap.yaml",
        K8S / "secret.example.yaml",
        K8S / "deployment.yaml",
        K8S / "service.yaml",
        K8S / "hpa.yaml",
        K8S / "migrate-job.yaml",
    ]
    missing = [_rel(path) for path in expected if not path.is_file()]
    assert missing == []


@pytest.mark.parametrize("path", YAML_FILES, ids=_rel)
def test_yaml_file_parses(path):
    docs = _load_yaml(path)
    assert docs, f"{_rel(path)} is empty"
    for doc in docs:
        assert isinstance(doc, dict), f"{_rel(path)}: every document must be a mapping"


@pytest.mark.parametrize("path", JSON_FILES, ids=_rel)
def test_json_file_parses(path):
    assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict)


# --------------------------------------------------------------------------------------------- Dockerfile


def test_dockerfile_is_multi_stage_on_python_313_slim():
    froms = [args for keyword, args in _dockerfile_instructions() if keyword == "FROM"]
    assert len(froms) >= 2
    for args in froms:
        assert args.split()[0] == "python:3.13-slim", args


def test_dockerfile_installs_the_lock_without_dependency_resolution():
    runs = " ".join(args for keyword, args in _dockerfile_instructions() if keyword == "RUN")
    assert re.search(r"pip install --no-deps -r requirements/lock\.txt", runs)
    assert re.search(r"pip install --no-deps \.(\s|$)", runs)


def test_dockerfile_runtime_stage_runs_as_non_root():
    users = [args for keyword, args in _final_stage() if keyword == "USER"]
    assert users, "the runtime stage must switch to a non-root USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_dockerfile_runtime_stage_exposes_port_and_env():
    stage = _final_stage()
    exposed = {port.split("/")[0] for keyword, args in stage if keyword == "EXPOSE" for port in args.split()}
    assert str(APP_PORT) in exposed

    env = {}
    for keyword, args in stage:
        if keyword == "ENV":
            for token in shlex.split(args):
                key, sep, value = token.partition("=")
                if sep:
                    env[key] = value
    assert env.get("PORT") == str(APP_PORT)
    assert env.get("APP_ENVIRONMENT") == "production"
    assert env.get("PROMETHEUS_MULTIPROC_DIR") == "/tmp/prometheus"  # noqa: S108 - the documented path
    app_env = {key for key in env if not key.startswith("PYTHON") and key != "PATH"}
    assert app_env <= ALLOWED_ENV_VARS, sorted(app_env - ALLOWED_ENV_VARS)


def test_dockerfile_healthcheck_and_command():
    stage = _final_stage()
    healthchecks = [args for keyword, args in stage if keyword == "HEALTHCHECK"]
    assert len(healthchecks) == 1
    assert "/health/live" in healthchecks[0]
    assert "urllib" in healthchecks[0]

    cmds = [args for keyword, args in stage if keyword == "CMD"]
    assert cmds, "the runtime stage needs a CMD"
    assert _exec_form(cmds[-1]) == ["python", "manage.py", "serve", "--no-seed"]


def test_dockerfile_copy_sources_exist_and_are_not_dockerignored():
    patterns = _dockerignore_patterns()
    sources = []
    for keyword, args in _dockerfile_instructions():
        if keyword not in {"COPY", "ADD"}:
            continue
        tokens = [token for token in _exec_form(args) if not token.startswith("--")]
        if any(token.startswith("--from") for token in shlex.split(args)):
            continue
        sources.extend(tokens[:-1])
    assert sources
    for source in sources:
        path = ROOT / source
        assert path.exists(), f"Dockerfile copies {source}, which does not exist"
        if path.is_dir():
            # git does not keep empty directories: a fresh clone would fail the build.
            assert any(child.is_file() for child in path.rglob("*")), f"{source} has no files"
        assert not _dockerignored(source, patterns), f".dockerignore excludes {source}"


def test_dockerignore_keeps_local_state_out_of_the_context():
    patterns = _dockerignore_patterns()
    for path in [".git", ".venv", ".pgdata", ".env", "natjoub/__pycache__", "bench/results", "htmlcov"]:
        assert _dockerignored(path, patterns), f".dockerignore should exclude {path}"


# --------------------------------------------------------------------------------------------- compose


def test_compose_services():
    services = _compose()["services"]
    assert {"app", "postgres", "prometheus", "grafana"} <= set(services)


def test_compose_app():
    app = _compose()["services"]["app"]
    assert APP_PORT in _compose_container_ports(app)

    env = _compose_env(app)
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
    postgres = _compose()["services"]["postgres"]
    assert postgres["image"].startswith("postgres:16")
    env = _compose_env(postgres)
    assert env["POSTGRES_DB"] == "microservice_db"
    assert env["POSTGRES_USER"] == "postgres"
    assert env["POSTGRES_PASSWORD"] == "postgres"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    named_volumes = set(_compose().get("volumes") or {})
    volume_sources = {str(v).split(":")[0] for v in postgres["volumes"]}
    assert volume_sources & named_volumes, "postgres data should live in a named volume"


def test_compose_bind_mounts_exist():
    for name, service in _compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else str(volume).split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


def test_compose_monitoring_stack():
    services = _compose()["services"]
    prometheus = services["prometheus"]
    assert prometheus["image"].startswith("prom/prometheus")
    assert 9090 in _compose_container_ports(prometheus)
    assert any(str(v).startswith("./deploy/prometheus.yml:") for v in prometheus["volumes"])

    grafana = services["grafana"]
    assert grafana["image"].startswith("grafana/grafana")
    assert 3000 in _compose_container_ports(grafana)
    env = _compose_env(grafana)
    assert env["GF_SECURITY_ADMIN_USER"] == "admin"
    assert env["GF_SECURITY_ADMIN_PASSWORD"] == "admin"
    mounts = {str(v).split(":")[0]: str(v).split(":")[1] for v in grafana["volumes"]}
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    assert mounts["./deploy/grafana/dashboards"] == "/var/lib/grafana/dashboards"


# --------------------------------------------------------------------------------------------- Prometheus and Grafana


def test_prometheus_scrapes_the_app():
    config = _load_one_yaml(DEPLOY / "prometheus.yml")
    jobs = [
        job
        for job in config["scrape_configs"]
        if any(f"app:{APP_PORT}" in static.get("targets", []) for static in job.get("static_configs", []))
    ]
    assert len(jobs) == 1
    assert jobs[0]["metrics_path"] == "/metrics"
    assert APP_PORT in _compose_container_ports(_compose()["services"]["app"])


def test_grafana_datasource():
    config = _load_one_yaml(DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml")
    datasources = {ds["name"]: ds for ds in config["datasources"]}
    prometheus = datasources["Prometheus"]
    assert prometheus["type"] == "prometheus"
    assert prometheus["uid"] == "prometheus"
    assert prometheus["url"] == "http://prometheus:9090"


def test_grafana_dashboard_provider():
    config = _load_one_yaml(DEPLOY / "grafana" / "provisioning" / "dashboards" / "dashboards.yml")
    providers = config["providers"]
    assert any(p["type"] == "file" and p["options"]["path"] == "/var/lib/grafana/dashboards" for p in providers)


def test_grafana_dashboard_uses_the_provisioned_datasource():
    dashboard = _dashboard()
    assert dashboard["title"]
    panels = _dashboard_panels(dashboard["panels"])
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
    for expr in _dashboard_exprs(_dashboard()):
        used |= _promql_metric_names(expr)
    unknown = sorted(name for name in used if not _metric_is_known(name))
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
    assert _promql_metric_names(expr) == {"http_request_duration_seconds_bucket", "up"}


# --------------------------------------------------------------------------------------------- Kubernetes


def test_k8s_objects_are_well_formed():
    objects = _k8s_objects()
    assert objects
    for obj in objects:
        assert obj.get("apiVersion"), obj
        assert obj.get("kind"), obj
        assert obj["metadata"]["name"], obj
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == NAMESPACE, obj["metadata"]["name"]


def test_k8s_configmap():
    data = _configmap()["data"]
    for key, value in data.items():
        assert isinstance(value, str), f"ConfigMap value of {key} must be a string, got {value!r}"
    assert set(data) <= ALLOWED_ENV_VARS, sorted(set(data) - ALLOWED_ENV_VARS)
    assert int(data["PORT"]) == APP_PORT
    assert data["APP_ENVIRONMENT"] == "production"
    assert data["TRUSTED_PROXY_COUNT"] == "1"
    for name in [
        "JWT_ISSUER",
        "JWT_AUDIENCE",
        "LOG_LEVEL",
        "RATE_LIMIT_ENABLED",
        "RATE_LIMIT_AUTH_PER_MINUTE",
        "RATE_LIMIT_API_PER_MINUTE",
        "DATABASE_MAX_POOL_SIZE",
        "PROMETHEUS_MULTIPROC_DIR",
        "WEB_WORKERS",
        "WEB_THREADS",
    ]:
        assert data.get(name), f"ConfigMap lacks {name}"
    for secret_name in REQUIRED_SECRETS:
        assert secret_name not in data, f"{secret_name} belongs in the Secret"


def test_k8s_secret_template():
    secret = _secret()
    assert secret["type"] == "Opaque"
    keys = _secret_keys(secret)
    assert keys <= ALLOWED_ENV_VARS, sorted(keys - ALLOWED_ENV_VARS)
    assert set(REQUIRED_SECRETS) <= keys
    for value in (secret.get("stringData") or {}).values():
        assert "CHANGE_ME" in value, "the example Secret must hold placeholders only"


def test_k8s_deployment_container():
    deployment = _deployment()
    assert deployment["spec"]["replicas"] == 3
    container = _container(deployment)
    assert container["image"] == "registry.example.com/natjoub:1.0.0"
    assert container["command"] == ["python", "manage.py", "serve", "--no-migrate", "--no-seed"]

    container_ports = [port["containerPort"] for port in container["ports"]]
    assert container_ports == [APP_PORT]
    assert int(_configmap()["data"]["PORT"]) == container_ports[0]

    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        if probe in container:
            assert _probe_port(container[probe], container) == APP_PORT

    resources = container["resources"]
    assert resources["requests"]["cpu"]
    assert resources["requests"]["memory"]
    assert resources["limits"]["cpu"]
    assert resources["limits"]["memory"]


def test_k8s_deployment_selector_matches_template():
    deployment = _deployment()
    selector = deployment["spec"]["selector"]["matchLabels"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()


def test_k8s_deployment_runs_as_non_root():
    deployment = _deployment()
    pod_context = _pod_spec(deployment).get("securityContext", {})
    container_context = _container(deployment).get("securityContext", {})
    assert pod_context.get("runAsNonRoot") is True or container_context.get("runAsNonRoot") is True
    run_as_user = container_context.get("runAsUser", pod_context.get("runAsUser"))
    assert run_as_user is None or run_as_user != 0
    assert container_context.get("allowPrivilegeEscalation") is False


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_k8s_workload_env_and_volumes(kind):
    workload = _k8s_one(kind)
    container = _container(workload)
    configmap = _configmap()
    secret = _secret()

    config_refs = [source["configMapRef"]["name"] for source in container["envFrom"] if "configMapRef" in source]
    assert config_refs == [configmap["metadata"]["name"]]

    names = _container_env_names(container)
    assert len(names) == len(set(names)), "duplicate env entries"
    assert set(names) <= ALLOWED_ENV_VARS, sorted(set(names) - ALLOWED_ENV_VARS)
    assert set(REQUIRED_SECRETS) <= set(names)
    assert not set(names) & set(configmap["data"]), "a variable is set by both env and the ConfigMap"
    for entry in container["env"]:
        ref = entry.get("valueFrom", {}).get("secretKeyRef")
        if ref is None:
            continue
        assert ref["name"] == secret["metadata"]["name"]
        if not ref.get("optional"):
            assert ref["key"] in _secret_keys(secret), f"{ref['key']} is not in the Secret template"

    # PROMETHEUS_MULTIPROC_DIR must be a writable emptyDir mount.
    multiproc_dir = configmap["data"]["PROMETHEUS_MULTIPROC_DIR"]
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    assert multiproc_dir in mounts
    volumes = {volume["name"]: volume for volume in _pod_spec(workload)["volumes"]}
    assert "emptyDir" in volumes[mounts[multiproc_dir]]
    for name in mounts.values():
        assert name in volumes


def test_k8s_migrate_job():
    job = _k8s_one("Job")
    assert job["apiVersion"] == "batch/v1"
    container = _container(job)
    assert container["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert container["image"] == _container(_deployment())["image"]
    assert _pod_spec(job)["restartPolicy"] in {"Never", "OnFailure"}


def test_k8s_service():
    service = _k8s_one("Service")
    deployment = _deployment()
    container = _container(deployment)
    spec = service["spec"]
    assert spec.get("type", "ClusterIP") == "ClusterIP"
    assert spec["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert len(spec["ports"]) == 1
    port = spec["ports"][0]
    assert port["port"] == 80
    target = port["targetPort"]
    if not isinstance(target, int):
        target = {p.get("name"): p["containerPort"] for p in container["ports"]}[target]
    assert target == APP_PORT

    annotations = service["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert annotations["prometheus.io/port"] == str(APP_PORT)


def test_k8s_hpa():
    hpa = _k8s_one("HorizontalPodAutoscaler")
    deployment = _deployment()
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert target["kind"] == "Deployment"
    assert target["name"] == deployment["metadata"]["name"]
    assert hpa["spec"]["minReplicas"] == 3
    assert hpa["spec"]["maxReplicas"] == 10
    cpu = [m["resource"] for m in hpa["spec"]["metrics"] if m["type"] == "Resource" and m["resource"]["name"] == "cpu"]
    assert len(cpu) == 1
    assert cpu[0]["target"] == {"type": "Utilization", "averageUtilization": 70}


def test_k8s_selectors_match_the_deployment():
    labels = _deployment()["spec"]["template"]["metadata"]["labels"]
    for obj in _k8s_objects():
        if obj["kind"] == "PodDisruptionBudget":
            assert obj["spec"]["selector"]["matchLabels"].items() <= labels.items()


# --------------------------------------------------------------------------------------------- project wiring


def test_env_var_names_are_read_by_the_project():
    settings_text = SETTINGS_FILE.read_text(encoding="utf-8")
    package_text = "\n".join(
        path.read_text(encoding="utf-8")
        for package in PROJECT_PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )
    not_in_settings = [name for name in SETTINGS_ENV_VARS if not _env_name_is_read(name, settings_text)]
    assert not_in_settings == [], "natjoub/settings.py does not read these variables"
    not_in_package = [name for name in SERVER_ENV_VARS if not _env_name_is_read(name, package_text)]
    assert not_in_package == [], "no project module reads these variables"


def test_health_and_metrics_paths_resolve():
    from django.urls import Resolver404, resolve

    container = _container(_deployment())
    paths = {
        container["livenessProbe"]["httpGet"]["path"],
        container["readinessProbe"]["httpGet"]["path"],
        _k8s_one("Service")["metadata"]["annotations"]["prometheus.io/path"],
    }
    config = _load_one_yaml(DEPLOY / "prometheus.yml")
    paths |= {job["metrics_path"] for job in config["scrape_configs"] if job.get("job_name") != "prometheus"}
    healthcheck = next(args for keyword, args in _final_stage() if keyword == "HEALTHCHECK")
    paths |= set(re.findall(r"/health[\w/]*", healthcheck))
    assert paths == {"/health/live", "/health/ready", "/metrics"}
    # The URLconf may end with a catch-all that renders the contract's 404: resolving is not enough,
    # the path must reach a view other than the one an unknown path reaches.
    try:
        fallback = resolve("/no-such-route-for-deploy-checks/x/")
    except Resolver404:
        fallback = None
    for path in sorted(paths):
        match = resolve(path)  # raises Resolver404
        if fallback is not None:
            assert (match.func, match.route) != (fallback.func, fallback.route), f"{path} only hits the catch-all"


# --------------------------------------------------------------------------------------------- scaling out


def test_k8s_readiness_gates_traffic_on_the_database_check():
    probe = _container(_deployment())["readinessProbe"]
    assert probe["httpGet"]["path"] == "/health/ready"
    # /health/ready gives the database 2 s: a shorter probe timeout would fail healthy pods.
    assert probe.get("timeoutSeconds", 1) > 2
    assert probe.get("failureThreshold", 3) >= 2


def test_k8s_pdb_and_hpa_leave_room_for_a_drain():
    pdb = _k8s_one("PodDisruptionBudget")
    hpa = _k8s_one("HorizontalPodAutoscaler")
    assert pdb["apiVersion"] == "policy/v1"
    spec = pdb["spec"]
    assert ("maxUnavailable" in spec) != ("minAvailable" in spec)
    floor = hpa["spec"]["minReplicas"]
    allowed = spec["maxUnavailable"] if "maxUnavailable" in spec else floor - spec["minAvailable"]
    assert 1 <= allowed < floor, "a drain must be able to evict a pod, and never the last ones"


def test_k8s_replica_and_pooling_settings():
    data = _configmap()["data"]
    assert data["DATABASE_TRANSACTION_POOLING"] in {"true", "false"}
    assert float(data["DATABASE_REPLICA_MAX_LAG_SECONDS"]) > 0
    env = {entry["name"]: entry for entry in _container(_deployment())["env"]}
    replicas = env["DATABASE_REPLICA_URLS"]["valueFrom"]["secretKeyRef"]
    assert replicas["optional"] is True
    assert "DATABASE_REPLICA_URL" not in env, "DATABASE_REPLICA_URLS replaces the single replica"


def _cluster_services() -> dict[str, dict]:
    return {name: svc for name, svc in _compose()["services"].items() if "cluster" in (svc.get("profiles") or [])}


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
    assert "profiles" not in _compose()["services"]["app"]

    for name in apps:
        app = services[name]
        env = _compose_env(app)
        assert set(env) <= ALLOWED_ENV_VARS, sorted(set(env) - ALLOWED_ENV_VARS)
        assert _url_host(env["DATABASE_URL"]) == "pgbouncer"
        assert env["DATABASE_TRANSACTION_POOLING"] == "true"
        replica_hosts = [_url_host(url) for url in env["DATABASE_REPLICA_URLS"].split(",")]
        assert replica_hosts == ["pg-replica-1", "pg-replica-2"]
        assert _url_host(env["REDIS_URL"].replace("redis://", "redis://x@")) == "valkey"
        assert env["TRUSTED_PROXY_COUNT"] == "1", "HAProxy appends the client to X-Forwarded-For"
        assert app["command"] == ["python", "manage.py", "serve", "--no-migrate", "--no-seed"]
        assert app["depends_on"]["cluster-migrate"]["condition"] == "service_completed_successfully"

    migrate = services["cluster-migrate"]
    assert _url_host(_compose_env(migrate)["DATABASE_URL"]) == "pg-primary", "migrations go to the primary"
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
    app_env = _compose_env(_cluster_services()["app-1"])
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
