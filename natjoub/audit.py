"""Security audit trail: one JSON line per security event on the ``natjoub.audit`` logger.

Every app calls ``audit(event, actor_id=…, target_id=…, **fields)``: sign-ins, sign-outs, ended
sessions, password resets, status, role and assignment changes. A line carries the event name, the
acting user and the user (or row) acted on, the request id (from the log filter) and the given
fields. Never pass passwords, tokens, OTPs or raw e-mail addresses: an identifier someone typed is
recorded as ``identifier_hash(value)``, a keyed hash that lets an operator match lines about one
identifier without the log revealing it.

Inside a transaction the line is written when it commits (an event that rolled back did not
happen); outside one it is written at once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction

from natjoub.logging import request_id_var

audit_log = logging.getLogger("natjoub.audit")


def identifier_hash(value: str) -> str:
    """HMAC-SHA256 (keyed with SECRET_KEY) of the trimmed, lower-cased identifier, 32 hex digits."""
    normalized = value.strip().lower().encode()
    return hmac.new(settings.SECRET_KEY.encode(), normalized, hashlib.sha256).hexdigest()[:32]


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


def audit(event: str, *, actor_id: Any = None, target_id: Any = None, **fields: Any) -> None:
    """Log one audit line for ``event`` (after commit when inside a transaction)."""
    entry = {"event": event, "actor_id": _text(actor_id), "target_id": _text(target_id)}
    entry.update({key: _text(value) for key, value in fields.items()})
    entry["request_id"] = request_id_var.get()  # the line may be written after the request ended
    transaction.on_commit(lambda: audit_log.info(event, extra=entry), robust=True)
