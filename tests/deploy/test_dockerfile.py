"""Dockerfile and .dockerignore."""

from __future__ import annotations

import re
import shlex

from tests.deploy import files
from tests.deploy.files import (
    ALLOWED_ENV_VARS,
    APP_PORT,
    ROOT,
)

# --------------------------------------------------------------------------------------------- Dockerfile


def test_dockerfile_is_multi_stage_on_python_313_slim():
    froms = [args for keyword, args in files.dockerfile_instructions() if keyword == "FROM"]
    assert len(froms) >= 2
    for args in froms:
        assert args.split()[0] == "python:3.13-slim", args


def test_dockerfile_installs_the_lock_without_dependency_resolution():
    runs = " ".join(args for keyword, args in files.dockerfile_instructions() if keyword == "RUN")
    assert re.search(r"pip install --no-deps -r requirements/lock\.txt", runs)
    assert re.search(r"pip install --no-deps \.(\s|$)", runs)


def test_dockerfile_runtime_stage_runs_as_non_root():
    users = [args for keyword, args in files.final_stage() if keyword == "USER"]
    assert users, "the runtime stage must switch to a non-root USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_dockerfile_runtime_stage_exposes_port_and_env():
    stage = files.final_stage()
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
    stage = files.final_stage()
    healthchecks = [args for keyword, args in stage if keyword == "HEALTHCHECK"]
    assert len(healthchecks) == 1
    assert "/health/live" in healthchecks[0]
    assert "urllib" in healthchecks[0]

    cmds = [args for keyword, args in stage if keyword == "CMD"]
    assert cmds, "the runtime stage needs a CMD"
    assert files.exec_form(cmds[-1]) == ["python", "manage.py", "serve", "--no-seed"]


def test_dockerfile_copy_sources_exist_and_are_not_dockerignored():
    patterns = files.dockerignore_patterns()
    sources = []
    for keyword, args in files.dockerfile_instructions():
        if keyword not in {"COPY", "ADD"}:
            continue
        tokens = [token for token in files.exec_form(args) if not token.startswith("--")]
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
        assert not files.dockerignored(source, patterns), f".dockerignore excludes {source}"


def test_dockerignore_keeps_local_state_out_of_the_context():
    patterns = files.dockerignore_patterns()
    for path in [".git", ".venv", ".pgdata", ".env", "natjoub/__pycache__", "bench/results", "htmlcov"]:
        assert files.dockerignored(path, patterns), f".dockerignore should exclude {path}"
