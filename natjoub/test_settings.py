"""Settings for the test suite: the real PostgreSQL, with test-friendly knobs only.

Rate limits are raised (dedicated tests turn them back on), post-response work runs at once, passwords
use a fast hasher (the
tests about hashing use bcrypt explicitly), connections are not pooled (threads in concurrency
tests each open their own), reads never go to a replica, and `serve` streams no WAL.
"""

import os

os.environ.setdefault("DATABASE_POOL", "false")
# Servers started by tests (`serve` in tests/natjoub/test_lifecycle.py inherits the environment)
# stream no WAL into the project's .backups/; tests/backup turns it on for its own servers.
os.environ.setdefault("BACKUP_STREAMING", "false")

from natjoub.settings import *  # noqa: F403

for _alias in DATABASE_REPLICA_ALIASES:  # noqa: F405
    DATABASES.pop(_alias)  # noqa: F405
DATABASE_REPLICA_ALIASES = []
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
RATE_LIMIT_AUTH_PER_MINUTE = 1_000_000
RATE_LIMIT_API_PER_MINUTE = 1_000_000
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
LOGGING["loggers"]["natjoub.audit"]["level"] = "WARNING"  # noqa: F405 - tests that read audit lines raise it
BACKGROUND_TASKS_EAGER = True  # mail is in the outbox when the request returns (one test turns it off)
# ... and the outbox's mail is sent at commit, in the committing thread (tests of the delivery
# thread turn both off: tests/natjoub/test_outbox.py)
MAIL_OUTBOX_DELIVERY = "inline"

# The fixture app that proves docs/architecture.md §7.2 (tests/sample_service): it joins through the
# settings alone, its routes through a test-only URLconf (tests/sample_service/urls.py).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.sample_service"]  # noqa: F405
DB_SCHEMAS = {**DB_SCHEMAS, "sample_service": "sample_schema"}  # noqa: F405
