"""Turn the contract's DATABASE_* environment variables into a Django DATABASES entry."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

SCHEMES = ("postgres://", "postgresql://", "jdbc:postgresql://")


def parse_database_url(url: str, *, user: str | None = None, password: str | None = None) -> dict:
    """Parse a ``postgres://``, ``postgresql://`` or ``jdbc:postgresql://`` URL.

    ``user``/``password`` (DATABASE_USER / DATABASE_PASSWORD) override the URL's credentials;
    query parameters other than ``user``/``password``/``host`` become libpq options.
    """
    if url.startswith("jdbc:"):
        url = url[len("jdbc:") :]
    if not url.startswith(SCHEMES):
        raise ValueError(f"DATABASE_URL must start with one of {', '.join(SCHEMES)}")
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    options = {k: v for k, v in query.items() if k not in {"user", "password", "host", "port"}}
    return {
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": user or unquote(parts.username or "") or query.get("user", ""),
        "PASSWORD": password or unquote(parts.password or "") or query.get("password", ""),
        "HOST": parts.hostname or query.get("host", ""),
        "PORT": str(parts.port or query.get("port", "")),
        "OPTIONS": options,
    }


def libpq_params(database: dict) -> dict:
    """libpq parameters of a ``DATABASES`` entry, for a connection outside Django's pool (the
    readiness probe, the replica monitor): credentials, host, port and the TLS options."""
    params = {
        "dbname": database["NAME"],
        "user": database["USER"] or None,
        "password": database["PASSWORD"] or None,
        "host": database["HOST"] or None,
        "port": database["PORT"] or None,
    }
    tls = {k: v for k, v in database.get("OPTIONS", {}).items() if k in {"sslmode", "sslrootcert", "application_name"}}
    return {**{k: v for k, v in params.items() if v}, **tls}
