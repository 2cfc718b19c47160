"""Production settings refuse insecure defaults and pass `check --deploy` cleanly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG = "k3y-" + "x9Qz" * 16
DEV_JWT = "natjoub-development-jwt-secret-change-me-in-production-0123456789"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "DJANGO_", "APP_"))}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "natjoub.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_passes_check_deploy_without_warnings():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        APP_ENVIRONMENT="production", JWT_SECRET=STRONG, DJANGO_SECRET_KEY=STRONG + "-django",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"DJANGO_SECRET_KEY": STRONG}, "JWT_SECRET"),
        ({"DJANGO_SECRET_KEY": STRONG, "JWT_SECRET": DEV_JWT},
         "JWT_SECRET"),
        ({"JWT_SECRET": STRONG}, "DJANGO_SECRET_KEY"),
    ],
)  # fmt: skip
def test_production_refuses_missing_or_default_secrets(env, complaint):
    result = manage("check", APP_ENVIRONMENT="production", **env)
    assert result.returncode != 0
    assert complaint in result.stderr
