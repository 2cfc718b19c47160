"""``Idempotency-Key`` for create actions (docs/api.md, "Idempotency keys").

Declared on a viewset action::

    @idempotent(body=MovementCreateInput, output=MovementOutput)
    def create(self, request, data): ...

The decorator validates the header together with the body (one 400 with every field error), runs
an optional ``guard`` (checks that must precede a replay, e.g. branch scoping), then runs the
action at most once per (user, key): the key row is written in the same transaction as the
action's effect. Concurrent requests with the same (user, key) serialize on a transaction-scoped
advisory lock: the first takes effect and commits its key; the others then find the key and
replay (or, if the first failed and stored nothing, proceed on their own). An error that declares
``keep_changes`` (natjoub/api/errors.py) commits what the service did before it and stores no key.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from rest_framework.response import Response

from natjoub.api.casing import camelize, to_camel
from natjoub.api.errors import ApplicationError, IdempotencyKeyReused
from natjoub.db.locks import advisory_xact_lock
from natjoub.models import IdempotencyKey
from natjoub.registry import MaintenanceJob

HEADER = "Idempotency-Key"
META_KEY = "HTTP_IDEMPOTENCY_KEY"
KEY_MESSAGE = "Must be 1-255 printable ASCII characters"
REPLAYED_HEADER = "Idempotent-Replayed"
RETENTION = timedelta(hours=24)
ENVELOPE_ORDER = ("success", "data", "message", "error")


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


def _in_wire_order(body: dict, data_fields: list[str]) -> dict:
    """JSONB does not keep key order; replay in the order of the original response."""
    ordered = {key: body[key] for key in ENVELOPE_ORDER if key in body}
    data = ordered.get("data")
    if isinstance(data, dict):
        ordered["data"] = {name: data[name] for name in data_fields if name in data} | {
            name: value for name, value in data.items() if name not in data_fields
        }
    return ordered | {key: value for key, value in body.items() if key not in ordered}


def _replay(stored: IdempotencyKey, output) -> Response:
    fields = [to_camel(name) for name in output().fields]
    body = _in_wire_order(stored.response_body, fields)
    return Response(body, status=stored.response_status, headers={REPLAYED_HEADER: "true"})


def run_once(request, key: str, action: Callable[[], Response], output) -> Response:
    """Run ``action`` once per (user, key); replay its stored response afterwards."""
    user_id = request.user.pk
    request_hash = fingerprint(request)
    kept: ApplicationError | None = None
    with transaction.atomic():
        advisory_xact_lock(f"{user_id}:{key}")
        stored = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
        if stored is not None:
            if stored.request_hash != request_hash:
                raise IdempotencyKeyReused
            return _replay(stored, output)
        try:
            response = action()
        except ApplicationError as exc:
            if not exc.keep_changes:
                raise
            kept = exc  # commit what the service decided to keep, store no key
        else:
            if 200 <= response.status_code < 300:
                IdempotencyKey.objects.create(
                    user_id=user_id,
                    key=key,
                    request_hash=request_hash,
                    response_status=response.status_code,
                    response_body=camelize(response.data),
                )
    if kept is not None:
        raise kept
    return response


def idempotent(*, body, output, guard: str | None = None):
    """Declare a create action idempotent. The action is called as ``action(self, request, data)``
    with the validated ``body`` (an input serializer); ``output`` is the serializer of its response's ``data`` (a replay
    keeps its field order); ``guard`` names a viewset method ``(request, data)`` that runs after
    validation and before the key is looked up."""

    def decorate(action):
        @functools.wraps(action)
        def wrapper(self, request, *args, **kwargs):
            errors: dict[str, str] = {}
            key = read_key(request, errors)
            data = self.validated(body, errors)
            if guard is not None:
                getattr(self, guard)(request, data)
            if key is None:
                return action(self, request, data, *args, **kwargs)
            return run_once(request, key, lambda: action(self, request, data, *args, **kwargs), output)

        wrapper.idempotency = {"body": body, "output": output}  # read by the OpenAPI schema
        return wrapper

    return decorate


def idempotency_keys_purge() -> dict[str, int]:
    """Delete keys past their retention (kept at least 24 hours)."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - RETENTION).delete()
    return {"idempotency_keys": deleted}


PURGE_JOB = MaintenanceJob(
    "idempotency_keys", "Idempotency keys past their 24-hour retention", idempotency_keys_purge, order=30
)
