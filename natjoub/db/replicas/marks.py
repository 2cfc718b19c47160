"""Read-your-writes across nodes: each caller's mark is the primary's WAL position after its last
write, kept in the shared Django cache (PostgreSQL table by default, Redis/Valkey with ``REDIS_URL``)
under the caller's user id (from the bearer token) and its client address, so any node can tell
whether a replica has replayed it. A mark is needed only while a replica could still lag behind
it: past ``2 × DATABASE_REPLICA_MAX_LAG_SECONDS`` (at least 10 s), every replica still used has
replayed it.
"""

from __future__ import annotations

import base64
import json
import re

from django.conf import settings
from django.core.cache import cache

KEY_PREFIX = "ryw:"
# One mark for everyone: the primary's WAL position after the latest write that ended someone's
# access (a session ended, a user deactivated or deleted, a back-office sign-in ended). Every
# request requires it, so no node reads a replica that has not replayed a revocation (docs/api.md
# §35). Revocations are rare; until the replicas replay one (milliseconds) reads go to the primary.
REVOCATIONS_KEY = f"{KEY_PREFIX}revocations"
_UUID = re.compile(r"\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_MAX_TOKEN = 4096


def ttl_seconds() -> int:
    return max(10, int(2 * settings.DATABASE_REPLICA_MAX_LAG_SECONDS) + 1)


def bearer_user_id(request) -> str | None:
    """The ``user_id`` claim of the bearer token, unverified.

    Authentication runs later, in the view, and itself reads the database, so the caller must be
    known before the first read. The claim only chooses a key: a forged one can only send reads
    to the primary, never widen what the caller may read (the view still authenticates)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() != "bearer " or len(header) > _MAX_TOKEN:
        return None
    parts = header[7:].strip().split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, TypeError):
        return None
    user_id = payload.get("user_id") if isinstance(payload, dict) else None
    return user_id.lower() if isinstance(user_id, str) and _UUID.match(user_id) else None


def user_key(user_id) -> str:
    return f"{KEY_PREFIX}u:{str(user_id).lower()}"


def caller_keys(request) -> tuple[str, ...]:
    from natjoub.ratelimit import client_ip  # the rate limiter's notion of a client

    keys = [f"{KEY_PREFIX}c:{client_ip(request)}"]
    user_id = bearer_user_id(request)
    if user_id:
        keys.append(user_key(user_id))
    return tuple(keys)


def required_lsn(keys) -> int | None:
    """The highest mark of these keys and of the revocations; None when neither the caller nor
    anyone's revocation wrote anything recently (one round trip to the cache either way)."""
    values = [v for v in cache.get_many([*keys, REVOCATIONS_KEY]).values() if isinstance(v, int)]
    return max(values) if values else None


def remember(keys, lsn: int) -> None:
    """Raise the marks of ``keys`` to ``lsn``; a mark never goes back (a slower request of the same
    caller finishing later must not lower it)."""
    keys = list(keys)
    current = cache.get_many(keys)
    updates = {key: lsn for key in keys if not isinstance(current.get(key), int) or current[key] < lsn}
    if updates:
        cache.set_many(updates, timeout=ttl_seconds())
