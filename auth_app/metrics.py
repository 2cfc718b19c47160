"""Auth counters (docs/api.md §17.2). Incremented through ``transaction.on_commit`` by the services,
so rolled-back work is never counted."""

from __future__ import annotations

from prometheus_client import Counter

LOGIN_ATTEMPTS = Counter("auth_login_attempts_total", "Login attempts", ["success"])
REGISTRATIONS = Counter("auth_registration_total", "Successful registrations")
TOKEN_REFRESHES = Counter("auth_token_refresh_total", "Successful refresh-token rotations")
PASSWORD_RESETS = Counter("auth_password_reset_total", "Successful password resets")


def record_login(success: bool) -> None:
    LOGIN_ATTEMPTS.labels(success="true" if success else "false").inc()


# both outcomes are exported from the first scrape on (0 until counted)
for _outcome in ("true", "false"):
    LOGIN_ATTEMPTS.labels(success=_outcome)
