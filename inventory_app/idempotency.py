"""``Idempotency-Key`` for POST movements and reservations (contract §15).

The key row is written in the same transaction as the effect. Concurrent requests with the same
(user, key) serialize on a transaction-scoped advisory lock: the first takes effect and commits
its key; the others then find the key and replay (or, if the first failed and stored nothing,
proceed on their own)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import connection, transaction
from rest_framework.response import Response

from inventory_app.exceptions import IdempotencyKeyReused
from inventory_app.models import IdempotencyKey
from natjoub.api.casing import camelize, to_camel
from natjoub.api.errors import ApplicationError

HEADER = "Idempotency-Key"
META_KEY = "HTTP_IDEMPOTENCY_KEY"
KEY_MESSAGE = "Must be 1-255 printable ASCII characters"
REPLAYED_HEADER = "Idempotent-Replayed"


def read_key(request, errors: dict[str, str]) -> str | None:
    """The request's key, or None without the header; a malformed key adds to ``errors``."""
    raw = request.META.get(META_KEY)
    if raw is None:
        return None
    if not 1 <= len(raw) <= 255 or any(not 0x20 <= ord(ch) <= 0x7E for ch in raw):
        errors[HEADER] = KEY_MESSAGE
        return None
    return raw


def fingerprint(request) -> str:
    """SHA-256 of the route (no trailing slash) and the canonical JSON of the body."""
    body = json.dumps(camelize(dict(request.data)), sort_keys=True, separators=(",", ":"), default=str)
    route = request.path.rstrip("/")
    return hashlib.sha256(f"{route}\n{body}".encode()).hexdigest()


ENVELOPE_ORDER = ("success", "data", "message", "error")


def _in_wire_order(body: dict, data_fields: list[str]) -> dict:
    """JSONB does not keep key order; replay in the order of the original response."""
    ordered = {key: body[key] for key in ENVELOPE_ORDER if key in body}
    data = ordered.get("data")
    if isinstance(data, dict):
        ordered["data"] = {name: data[name] for name in data_fields if name in data} | {
            name: value for name, value in data.items() if name not in data_fields
        }
    return ordered | {key: value for key, value in body.items() if key not in ordered}


def respond(request, key: str | None, effect: Callable[[], tuple[int, dict]], output=None) -> Response:
    """Run ``effect`` (returning status and envelope) once per (user, key). ``output``, the data's
    serializer class, gives a replay its field order (read only on a replay)."""
    if key is None:
        status, body = effect()
        return Response(body, status=status)
    user_id = request.user.pk
    request_hash = fingerprint(request)
    kept = None
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{user_id}:{key}"])
        stored = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
        if stored is not None:
            if stored.request_hash != request_hash:
                raise IdempotencyKeyReused
            fields = list(output().fields) if output is not None else []
            body = _in_wire_order(stored.response_body, [to_camel(name) for name in fields])
            return Response(body, status=stored.response_status, headers={REPLAYED_HEADER: "true"})
        try:
            status, body = effect()
        except ApplicationError as exc:
            if not getattr(exc, "keep_changes", False):
                raise
            kept = exc  # commit what the effect decided to keep, store no key
        else:
            body = camelize(body)
            IdempotencyKey.objects.create(
                user_id=user_id, key=key, request_hash=request_hash, response_status=status, response_body=body
            )
    if kept is not None:
        raise kept
    return Response(body, status=status)
