"""The deployment files parse, exist, and name variables and paths the project has."""

from __future__ import annotations

import json
import re

import pytest

from tests.deploy import files
from tests.deploy.files import (
    COMPOSE_FILE,
    DEPLOY,
    DOCKERFILE,
    DOCKERIGNORE,
    JSON_FILES,
    K8S,
    PROJECT_PACKAGES,
    ROOT,
    SERVER_ENV_VARS,
    SETTINGS_ENV_VARS,
    SETTINGS_FILE,
    YAML_FILES,
)

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
        K8S / "networkpolicy.yaml",
        K8S / "ingress.yaml",
    ]
    missing = [files.rel(path) for path in expected if not path.is_file()]
    assert missing == []


@pytest.mark.parametrize("path", YAML_FILES, ids=files.rel)
def test_yaml_file_parses(path):
    docs = files.load_yaml(path)
    assert docs, f"{files.rel(path)} is empty"
    for doc in docs:
        assert isinstance(doc, dict), f"{files.rel(path)}: every document must be a mapping"


@pytest.mark.parametrize("path", JSON_FILES, ids=files.rel)
def test_json_file_parses(path):
    assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict)


# --------------------------------------------------------------------------------------------- project wiring


def test_env_var_names_are_read_by_the_project():
    settings_text = SETTINGS_FILE.read_text(encoding="utf-8")
    package_text = "\n".join(
        path.read_text(encoding="utf-8")
        for package in PROJECT_PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )
    not_in_settings = [name for name in SETTINGS_ENV_VARS if not files.env_name_is_read(name, settings_text)]
    assert not_in_settings == [], "natjoub/settings.py does not read these variables"
    not_in_package = [name for name in SERVER_ENV_VARS if not files.env_name_is_read(name, package_text)]
    assert not_in_package == [], "no project module reads these variables"


def test_health_and_metrics_paths_resolve():
    from django.urls import Resolver404, resolve

    container = files.container(files.deployment())
    paths = {
        container["livenessProbe"]["httpGet"]["path"],
        container["readinessProbe"]["httpGet"]["path"],
        files.k8s_one("Service")["metadata"]["annotations"]["prometheus.io/path"],
    }
    config = files.load_one_yaml(DEPLOY / "prometheus.yml")
    paths |= {job["metrics_path"] for job in config["scrape_configs"] if job.get("job_name") != "prometheus"}
    healthcheck = next(args for keyword, args in files.final_stage() if keyword == "HEALTHCHECK")
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
