"""Production guards (docs/api.md §32), read by settings before Django starts.

Production refuses to start when a signing secret is shorter than 32 bytes or equals a value this
repository ships (development defaults, examples, compose files, documentation): anyone can read
those, and with ``JWT_SECRET`` known anyone can sign an admin token. ``tests/natjoub/
test_settings_production.py`` scans the repository for shipped values and fails when one is
missing here.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

MIN_SECRET_BYTES = 32

DEV_JWT_SECRET = "natjoub-development-jwt-secret-change-me-in-production-0123456789"  # noqa: S105
DEV_SECRET_KEY = "natjoub-development-django-secret-key-change-me-in-production-0123456789"  # noqa: S105

# Every secret value the repository has ever shipped (current and earlier files).
SHIPPED_SECRETS = frozenset(
    {
        DEV_JWT_SECRET,
        DEV_SECRET_KEY,
        # docker-compose.yml defaults (until the compose file required them)
        "compose-local-only-jwt-secret-do-not-use-elsewhere-8c1f0b7e2d9a4c6f",
        "compose-local-only-django-secret-do-not-use-elsewhere-5e3a9d71b4",
        # Dockerfile: build-time values for collectstatic, never the runtime environment
        "build-only-secret-key-not-used-at-runtime-0123456789abcdefghijklmnop",
        "build-only-jwt-secret-not-used-at-runtime-0123456789abcdefghijklmnopqrstuv",
        # deploy/k8s/secret.example.yaml placeholders
        "CHANGE_ME-at-least-64-random-characters-openssl-rand-base64-64",
        "CHANGE_ME-at-least-50-random-characters-openssl-rand-base64-64",
    }
)
# Placeholders in examples and docs are marked this way; no real secret contains it.
PLACEHOLDER_MARKERS = ("change_me", "change-me", "changeme")


def secret_problem(name: str, value: str | None) -> str | None:
    """Why ``value`` may not be the production ``name``, or None when it may."""
    if not value:
        return f"{name} must be set to a strong random value in production (e.g. `openssl rand -base64 64`)"
    if len(value.encode()) < MIN_SECRET_BYTES:
        return f"{name} must be at least {MIN_SECRET_BYTES} bytes in production"
    lowered = value.lower()
    if value in SHIPPED_SECRETS or any(marker in lowered for marker in PLACEHOLDER_MARKERS):
        return f"{name} is a value shipped in the repository (a default or an example); generate your own"
    return None


def redis_url_problem(url: str) -> str | None:
    """Why ``url`` may not be the production ``REDIS_URL``: a Redis/Valkey without a password lets
    anyone who reaches it rewrite the rate-limit counters and read-your-writes marks (§35)."""
    try:
        parts = urlsplit(url)
        password = parts.password or parse_qs(parts.query).get("password", [""])[0]
    except ValueError:
        return "REDIS_URL is not a valid URL"
    if not password:
        return "REDIS_URL must include a password in production (redis://:<password>@host:6379/0)"
    return None
