"""Production settings refuse insecure configurations (docs/api.md §32) and pass `check --deploy`."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
STRONG = "k3y-" + "x9Qz" * 16
DEV_JWT = "natjoub-development-jwt-secret-change-me-in-production-0123456789"
HOSTS = "api.example.com"
SECRET_NAMES = ("JWT_SECRET", "DJANGO_SECRET_KEY")


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "DJANGO_", "APP_", "ALLOWED_", "CORS_"))}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "natjoub.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production(**env: str) -> dict[str, str]:
    return {"APP_ENVIRONMENT": "production", "JWT_SECRET": STRONG, "DJANGO_SECRET_KEY": STRONG + "-django",
            "ALLOWED_HOSTS": HOSTS, **env}  # fmt: skip


def setting(name: str, **env: str) -> str:
    result = manage("shell", "-c", f"from django.conf import settings; print(repr(settings.{name}))", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_production_passes_check_deploy_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"JWT_SECRET": ""}, "JWT_SECRET must be set"),
        ({"JWT_SECRET": DEV_JWT}, "JWT_SECRET is a value shipped in the repository"),
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY must be set"),
        ({"JWT_SECRET": "x" * 31}, "JWT_SECRET must be at least 32 bytes"),
        ({"DJANGO_SECRET_KEY": "é" * 15}, "DJANGO_SECRET_KEY must be at least 32 bytes"),  # 30 bytes
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must list"),
        ({"REDIS_URL": "redis://valkey:6379/0"}, "REDIS_URL must include a password in production"),
        ({"REDIS_URL": "redis://natjoub@valkey:6379/0"}, "REDIS_URL must include a password in production"),
    ],
)
def test_production_refuses_missing_short_or_default_secrets_and_missing_hosts(env, complaint):
    result = manage("check", **production(**env))
    assert result.returncode != 0
    assert complaint in result.stderr


@pytest.mark.parametrize("url", ["redis://:s3cret-pass@valkey:6379/0", "rediss://natjoub:s3cret-pass@valkey:6380/0",
                                 "redis://valkey:6379/0?password=s3cret-pass"])  # fmt: skip
def test_production_accepts_a_redis_url_with_a_password(url):
    assert setting("CACHES['default']['LOCATION']", **production(REDIS_URL=url)) == repr(url)


def shipped_secret_values() -> set[str]:
    """Every JWT_SECRET / DJANGO_SECRET_KEY value written anywhere in the repository's files:
    compose defaults (``${JWT_SECRET:-value}``), env files, YAML manifests, docs."""
    found: set[str] = set()
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()  # noqa: S607
    pattern = re.compile(
        r"(?:JWT_SECRET|DJANGO_SECRET_KEY)[\"']?\s*[:=]\s*(?:\$\{\w+:-)?[\"']?([^\s\"'}$]{8,})", re.IGNORECASE
    )
    for name in tracked:
        path = ROOT / name
        if path.suffix in {".png", ".json"} or not path.is_file() or name.startswith("tests/"):
            continue
        text = path.read_text(errors="ignore")
        found.update(match[1] for match in pattern.finditer(text) if not match[1].startswith(("env_str", "os.environ")))
    return found


def test_every_secret_the_repository_ships_is_refused():
    """Finding 1: the example Secret's placeholder and the compose default started in production."""
    example = yaml.safe_load((ROOT / "deploy/k8s/secret.example.yaml").read_text())["stringData"]
    compose_default = "compose-local-only-jwt-secret-do-not-use-elsewhere-8c1f0b7e2d9a4c6f"  # shipped until now
    for name, value in [*((n, example[n]) for n in SECRET_NAMES), ("JWT_SECRET", compose_default)]:
        result = manage("check", **production(**{name: value}))
        assert result.returncode != 0, (name, value)
        assert f"{name} is a value shipped in the repository" in result.stderr

    from natjoub.production import PLACEHOLDER_MARKERS, SHIPPED_SECRETS, secret_problem

    values = shipped_secret_values() | SHIPPED_SECRETS
    assert values, "the scan found nothing: the pattern is broken"
    for value in values:
        assert secret_problem("JWT_SECRET", value) is not None, value
    assert any(marker in example["JWT_SECRET"].lower() for marker in PLACEHOLDER_MARKERS)


def test_compose_requires_the_secrets_instead_of_shipping_defaults():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    environment = compose["services"]["app"]["environment"]
    for name in SECRET_NAMES:
        assert re.fullmatch(rf"\$\{{{name}:\?[^}}]+\}}", environment[name]), environment[name]
    assert environment["ALLOWED_HOSTS"]


def test_production_hosts_cookies_sessions_and_cors():
    """Findings 3, 5 and 10: ALLOWED_HOSTS was "*", admin sessions lasted 14 days with no idle limit,
    cookies had plain names, and CORS allowed every origin."""
    env = production()
    assert setting("ALLOWED_HOSTS", **env) == repr([HOSTS])
    assert setting("SESSION_COOKIE_NAME", **env) == "'__Host-sessionid'"
    assert setting("CSRF_COOKIE_NAME", **env) == "'__Host-csrftoken'"
    assert setting("SESSION_COOKIE_AGE_SECONDS", **env) == "43200"
    assert setting("SESSION_COOKIE_AGE", **env) == "1800"  # the idle limit: renewed on every admin request
    assert setting("SESSION_SAVE_EVERY_REQUEST", **env) == "True"
    assert setting("CORS_ALLOW_ALL_ORIGINS", **env) == "False"  # explicit origins only in production
    assert setting("CORS_URLS_REGEX", **env) == "'^/api/.*$'"
    assert setting("ALLOWED_HOSTS") == "['*']"  # development keeps working without configuration
