"""The Kubernetes reference deployment (deploy/k8s)."""

from __future__ import annotations

import pytest

from tests.deploy import files
from tests.deploy.files import (
    ALLOWED_ENV_VARS,
    APP_PORT,
    NAMESPACE,
    REQUIRED_SECRETS,
)

# --------------------------------------------------------------------------------------------- Kubernetes


def test_k8s_objects_are_well_formed():
    objects = files.k8s_objects()
    assert objects
    for obj in objects:
        assert obj.get("apiVersion"), obj
        assert obj.get("kind"), obj
        assert obj["metadata"]["name"], obj
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == NAMESPACE, obj["metadata"]["name"]


def test_k8s_configmap():
    data = files.configmap()["data"]
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
    secret = files.secret()
    assert secret["type"] == "Opaque"
    keys = files.secret_keys(secret)
    assert keys <= ALLOWED_ENV_VARS, sorted(keys - ALLOWED_ENV_VARS)
    assert set(REQUIRED_SECRETS) <= keys
    for value in (secret.get("stringData") or {}).values():
        assert "CHANGE_ME" in value, "the example Secret must hold placeholders only"


def test_k8s_deployment_container():
    deployment = files.deployment()
    assert deployment["spec"]["replicas"] == 3
    container = files.container(deployment)
    assert container["image"] == "registry.example.com/natjoub:1.0.0"
    assert container["command"] == ["python", "manage.py", "serve", "--no-migrate", "--no-seed"]

    container_ports = [port["containerPort"] for port in container["ports"]]
    assert container_ports == [APP_PORT]
    assert int(files.configmap()["data"]["PORT"]) == container_ports[0]

    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        if probe in container:
            assert files.probe_port(container[probe], container) == APP_PORT

    resources = container["resources"]
    assert resources["requests"]["cpu"]
    assert resources["requests"]["memory"]
    assert resources["limits"]["cpu"]
    assert resources["limits"]["memory"]


def test_k8s_deployment_selector_matches_template():
    deployment = files.deployment()
    selector = deployment["spec"]["selector"]["matchLabels"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()


def test_k8s_deployment_runs_as_non_root():
    deployment = files.deployment()
    pod_context = files.pod_spec(deployment).get("securityContext", {})
    container_context = files.container(deployment).get("securityContext", {})
    assert pod_context.get("runAsNonRoot") is True or container_context.get("runAsNonRoot") is True
    run_as_user = container_context.get("runAsUser", pod_context.get("runAsUser"))
    assert run_as_user is None or run_as_user != 0
    assert container_context.get("allowPrivilegeEscalation") is False


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_k8s_workload_env_and_volumes(kind):
    workload = files.k8s_one(kind)
    container = files.container(workload)
    configmap = files.configmap()
    secret = files.secret()

    config_refs = [source["configMapRef"]["name"] for source in container["envFrom"] if "configMapRef" in source]
    assert config_refs == [configmap["metadata"]["name"]]

    names = files.container_env_names(container)
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
            assert ref["key"] in files.secret_keys(secret), f"{ref['key']} is not in the Secret template"

    # PROMETHEUS_MULTIPROC_DIR must be a writable emptyDir mount.
    multiproc_dir = configmap["data"]["PROMETHEUS_MULTIPROC_DIR"]
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    assert multiproc_dir in mounts
    volumes = {volume["name"]: volume for volume in files.pod_spec(workload)["volumes"]}
    assert "emptyDir" in volumes[mounts[multiproc_dir]]
    for name in mounts.values():
        assert name in volumes


def test_k8s_migrate_job():
    job = files.k8s_one("Job")
    assert job["apiVersion"] == "batch/v1"
    container = files.container(job)
    assert container["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert container["image"] == files.container(files.deployment())["image"]
    assert files.pod_spec(job)["restartPolicy"] in {"Never", "OnFailure"}


def test_k8s_service():
    service = files.k8s_one("Service")
    deployment = files.deployment()
    container = files.container(deployment)
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
    hpa = files.k8s_one("HorizontalPodAutoscaler")
    deployment = files.deployment()
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
    labels = files.deployment()["spec"]["template"]["metadata"]["labels"]
    for obj in files.k8s_objects():
        if obj["kind"] == "PodDisruptionBudget":
            assert obj["spec"]["selector"]["matchLabels"].items() <= labels.items()


# --------------------------------------------------------------------------------------------- scaling out


def test_k8s_readiness_gates_traffic_on_the_database_check():
    probe = files.container(files.deployment())["readinessProbe"]
    assert probe["httpGet"]["path"] == "/health/ready"
    # /health/ready gives the database 2 s: a shorter probe timeout would fail healthy pods.
    assert probe.get("timeoutSeconds", 1) > 2
    assert probe.get("failureThreshold", 3) >= 2


def test_k8s_pdb_and_hpa_leave_room_for_a_drain():
    pdb = files.k8s_one("PodDisruptionBudget")
    hpa = files.k8s_one("HorizontalPodAutoscaler")
    assert pdb["apiVersion"] == "policy/v1"
    spec = pdb["spec"]
    assert ("maxUnavailable" in spec) != ("minAvailable" in spec)
    floor = hpa["spec"]["minReplicas"]
    allowed = spec["maxUnavailable"] if "maxUnavailable" in spec else floor - spec["minAvailable"]
    assert 1 <= allowed < floor, "a drain must be able to evict a pod, and never the last ones"


def test_k8s_replica_and_pooling_settings():
    data = files.configmap()["data"]
    assert data["DATABASE_TRANSACTION_POOLING"] in {"true", "false"}
    assert float(data["DATABASE_REPLICA_MAX_LAG_SECONDS"]) > 0
    env = {entry["name"]: entry for entry in files.container(files.deployment())["env"]}
    replicas = env["DATABASE_REPLICA_URLS"]["valueFrom"]["secretKeyRef"]
    assert replicas["optional"] is True
    assert "DATABASE_REPLICA_URL" not in env, "DATABASE_REPLICA_URLS replaces the single replica"


# --------------------------------------------------------------------------------------------- exposure
# docs/api.md §35: only the ingress controller (and Prometheus) reach the pods; /metrics is not public.
def _matches(rule: dict, path: str) -> bool:
    """Whether an Ingress path rule routes ``path`` (Kubernetes' Exact and Prefix semantics)."""
    if rule["pathType"] == "Exact":
        return rule["path"] == path
    prefix = rule["path"].rstrip("/")
    return prefix == "" or path == prefix or path.startswith(prefix + "/")


def test_k8s_network_policy_admits_only_the_ingress_controller_and_prometheus():
    policy = files.k8s_one("NetworkPolicy")
    assert policy["apiVersion"] == "networking.k8s.io/v1"
    spec = policy["spec"]
    labels = files.deployment()["spec"]["template"]["metadata"]["labels"]
    assert spec["podSelector"]["matchLabels"].items() <= labels.items()
    assert "Ingress" in spec["policyTypes"]
    admitted = set()
    for rule in spec["ingress"]:
        assert rule.get("from"), "a rule without `from` admits every source"
        assert rule.get("ports"), "a rule without `ports` admits every port"
        for port in rule["ports"]:
            assert port["port"] in {"http", APP_PORT}
        for peer in rule["from"]:
            # both selectors in one peer (AND); either alone would admit far more
            assert set(peer) == {"namespaceSelector", "podSelector"}, peer
            assert peer["namespaceSelector"].get("matchLabels"), peer
            assert peer["podSelector"].get("matchLabels"), peer
            admitted.add(peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"])
    assert admitted == {"ingress-nginx", "prometheus"}


def test_k8s_ingress_never_routes_metrics_or_health():
    ingress = files.k8s_one("Ingress")
    service = files.k8s_one("Service")
    rules = [path for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    assert rules
    for rule in rules:
        assert rule["pathType"] in {"Exact", "Prefix"}, "ImplementationSpecific paths cannot be checked"
        backend = rule["backend"]["service"]
        assert backend["name"] == service["metadata"]["name"]
        assert backend["port"] in ({"name": p["name"]} for p in service["spec"]["ports"])
    for internal in ["/metrics", "/metrics/", "/health/live", "/health/ready", "/health"]:
        assert not any(_matches(rule, internal) for rule in rules), f"the Ingress routes {internal}"
    for public in ["/api/v1/auth/login", "/api/docs/", "/api/schema", "/admin/", "/static/admin/css/base.css", "/"]:
        assert any(_matches(rule, public) for rule in rules), f"the Ingress does not route {public}"


def test_ingress_path_matching_helper():
    assert _matches({"path": "/api", "pathType": "Prefix"}, "/api/v1")
    assert not _matches({"path": "/api", "pathType": "Prefix"}, "/apix")
    assert _matches({"path": "/", "pathType": "Prefix"}, "/metrics")
    assert not _matches({"path": "/", "pathType": "Exact"}, "/metrics")
