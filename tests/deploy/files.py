"""Shared readers for the deployment-file checks of tests/deploy (docs/operations.md).

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
    # docs/api.md §37 (orders) and serve's housekeeping
    "CURRENCY",
    "ORDER_CONFIRM_MINUTES",
    "ORDER_PICKUP_HOURS",
    "ORDER_MAX_OPEN_PER_CUSTOMER",
    "HOUSEKEEPING_INTERVAL_SECONDS",
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


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def load_yaml(path: Path) -> list:
    with path.open(encoding="utf-8") as fh:
        return [doc for doc in yaml.safe_load_all(fh) if doc is not None]


def load_one_yaml(path: Path) -> dict:
    docs = load_yaml(path)
    assert len(docs) == 1, f"{rel(path)}: expected one YAML document, found {len(docs)}"
    return docs[0]


def k8s_objects() -> list[dict]:
    objects = []
    for path in sorted([*K8S.glob("*.yaml"), *K8S.glob("*.yml")]):
        objects.extend(load_yaml(path))
    return objects


def k8s_one(kind: str, name: str | None = None) -> dict:
    found = [
        obj for obj in k8s_objects() if obj.get("kind") == kind and (name is None or obj["metadata"]["name"] == name)
    ]
    assert len(found) == 1, f"expected exactly one {kind} {name or ''} in deploy/k8s, found {len(found)}"
    return found[0]


def compose() -> dict:
    return load_one_yaml(COMPOSE_FILE)


def compose_env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) for item in env)
        return {pair[0]: (pair[1] if len(pair) == 2 else "") for pair in pairs}
    return {key: "" if value is None else str(value) for key, value in env.items()}


def compose_container_ports(service: dict) -> set[int]:
    ports = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:
            ports.add(int(str(entry).split("/")[0].rsplit(":", 1)[-1]))
    return ports


def compose_published(service: dict) -> list[tuple[str, str, int]]:
    """``(host interface, host port, container port)`` of each published port; an empty interface
    means every interface (Docker's default)."""
    published = []
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            published.append((entry.get("host_ip", ""), str(entry.get("published", "")), int(entry["target"])))
            continue
        parts = str(entry).split("/")[0].split(":")
        host_ip = parts[0] if len(parts) == 3 else ""
        host_port = parts[-2] if len(parts) >= 2 else ""
        published.append((host_ip, host_port, int(parts[-1])))
    return published


def configmap() -> dict:
    return k8s_one("ConfigMap")


def secret() -> dict:
    return k8s_one("Secret")


def secret_keys(secret: dict) -> set[str]:
    return set(secret.get("stringData") or {}) | set(secret.get("data") or {})


def deployment() -> dict:
    return k8s_one("Deployment")


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def container(workload: dict) -> dict:
    containers = pod_spec(workload)["containers"]
    assert len(containers) == 1, "expected a single container"
    return containers[0]


def container_env_names(container: dict) -> list[str]:
    return [entry["name"] for entry in container.get("env", [])]


def probe_port(probe: dict, container: dict) -> int:
    port = probe["httpGet"]["port"]
    if isinstance(port, int):
        return port
    named = {p.get("name"): p["containerPort"] for p in container["ports"]}
    assert port in named, f"probe port {port!r} is not a named container port"
    return named[port]


def dockerfile_instructions() -> list[tuple[str, str]]:
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


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def exec_form(args: str) -> list[str]:
    args = args.strip()
    if args.startswith("["):
        return json.loads(args)
    return shlex.split(args)


def dockerignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def dockerignored(rel_path: str, patterns: list[str]) -> bool:
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


def env_name_is_read(name: str, text: str) -> bool:
    return re.search(rf"""["']{re.escape(name)}["']""", text) is not None


PROMQL_KEYWORDS = frozenset(
    ["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset"]
)


def promql_metric_names(expr: str) -> set[str]:
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
        if word.lower() in PROMQL_KEYWORDS:
            continue
        names.add(word)
    return names


def metric_is_known(name: str) -> bool:
    if name.startswith(DJANGO_DB_PREFIX) or name in APP_METRICS:
        return True
    return any(name.endswith(suffix) and name[: -len(suffix)] in APP_METRICS for suffix in HISTOGRAM_SUFFIXES)


def dashboard() -> dict:
    return json.loads((DEPLOY / "grafana" / "dashboards" / "natjoub.json").read_text(encoding="utf-8"))


def dashboard_panels(panels: list[dict]) -> list[dict]:
    flat = []
    for panel in panels:
        flat.append(panel)
        flat.extend(dashboard_panels(panel.get("panels", [])))
    return flat


def dashboard_exprs(dashboard: dict) -> list[str]:
    exprs = [
        target["expr"]
        for panel in dashboard_panels(dashboard["panels"])
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
