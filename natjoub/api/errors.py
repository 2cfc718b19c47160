"""Errors that describe themselves (docs/api.md, "Errors").

``error.code`` on the wire comes from a registry: the core declares the generic codes
(``ErrorCode``), each app declares its own enum in ``AppConfig.ready()`` (``register_error_codes``).
Every error an endpoint can answer is a subclass of ``ApplicationError`` that declares its code,
HTTP status and message template; a raise site passes only data (``BranchNotFound(branch_id=…)``),
never text. The one exception handler (natjoub/api/exception_handler.py) renders them; the OpenAPI
schema lists every registered code and, per route, the codes its viewset declares in ``error_map``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured


class ErrorCode(StrEnum):
    """The generic codes any route may answer (docs/api.md §3.2). An app's own codes live in its
    ``exceptions.py`` as a ``StrEnum`` registered with ``register_error_codes`` (docs/architecture.md §3.6)."""

    BAD_REQUEST = "BAD_REQUEST"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    RATE_LIMIT_EXCEEDED = "RATE_LIMIT_EXCEEDED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


CORE_OWNER = "natjoub"
_owners: dict[str, str] = {}  # code -> the app that declared it


def register_error_codes(owner: str, codes: type[StrEnum]) -> None:
    """Declare ``owner``'s codes (called in its ``AppConfig.ready()``). A code another owner (or the
    core) already declared is a start-up error: two apps would share one ``error.code`` on the wire
    and the OpenAPI schema could not tell them apart. Registering the same enum again is harmless."""
    clashes = sorted(code for code in codes if _owners.get(code, owner) != owner)
    if clashes:
        listed = ", ".join(f"{code} (declared by {_owners[code]})" for code in clashes)
        raise ImproperlyConfigured(f"{owner} declares error codes that already exist: {listed}")
    for code in codes:
        _owners[str(code)] = owner


def unregister_error_codes(owner: str) -> None:
    """Forget ``owner``'s codes (tests that register a throwaway app)."""
    for code in [code for code, declared_by in _owners.items() if declared_by == owner]:
        del _owners[code]


def registered_error_codes() -> dict[str, str]:
    """Every declared code with its owner, sorted by code."""
    return dict(sorted(_owners.items()))


def is_registered(code: str) -> bool:
    return code in _owners


register_error_codes(CORE_OWNER, ErrorCode)


class ApplicationError(Exception):
    """An expected failure that leaves as the contract's error envelope.

    Subclasses declare ``code``, ``status`` and ``template`` (a ``str.format`` template over the
    data the raise site passes as keyword arguments); ``message`` is the rendered text.
    ``details_keys`` name the data that goes to ``error.details``; ``headers`` builds response
    headers from the data.

    ``keep_changes``: the service already committed work that must survive this error (e.g. the
    expiry of due reservations before an ``INSUFFICIENT_STOCK``), so a caller that wraps the
    service in its own transaction (idempotency keys) commits instead of rolling back.
    """

    code: ClassVar[StrEnum] = ErrorCode.BAD_REQUEST
    status: ClassVar[int] = 400
    template: ClassVar[str] = "Bad request"
    top_message: ClassVar[str | None] = None  # the envelope's own ``message``, where it differs
    details_keys: ClassVar[tuple[str, ...]] = ()
    keep_changes: ClassVar[bool] = False

    def __init__(self, **data: Any) -> None:
        self.data = data
        self.message = self.render_message()
        super().__init__(self.message)

    def render_message(self) -> str:
        return self.template.format(**self.data)

    @property
    def details(self) -> dict[str, Any] | None:
        if not self.details_keys:
            return None
        return {key: self.data[key] for key in self.details_keys}

    @property
    def headers(self) -> dict[str, str]:
        return {}

    @property
    def http_status(self) -> int:
        return self.status


class ReferencedRowMissing(ApplicationError):
    """A row addressed by path (404, ``template``), or named by a body field (400; pass
    ``referenced_by=<field>``: the template is ``referenced_templates[field]``)."""

    status = 404
    referenced_templates: ClassVar[dict[str, str]] = {}

    def __init__(self, *, referenced_by: str | None = None, **data: Any) -> None:
        self.referenced_by = referenced_by
        super().__init__(**data)

    def render_message(self) -> str:
        if self.referenced_by is None:
            return super().render_message()
        return self.referenced_templates[self.referenced_by].format(**self.data)

    @property
    def http_status(self) -> int:
        return 400 if self.referenced_by is not None else self.status


# -- the generic answers of every route (docs/api.md §3.2) ---------------------------------------
class BadRequest(ApplicationError):
    """A request Django refused before any view (e.g. an invalid Host header)."""


class NotAuthenticated(ApplicationError):
    code, status, template = ErrorCode.UNAUTHORIZED, 401, "Invalid or expired token"

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="NatJoub Microservices"'}


class Forbidden(ApplicationError):
    code, status, template = ErrorCode.FORBIDDEN, 403, "You don't have permission to access this resource"


class RouteNotFound(ApplicationError):
    code, status = ErrorCode.NOT_FOUND, 404
    template, top_message = "The requested resource was not found", "Resource not found"


class MethodNotAllowed(ApplicationError):
    code, status = ErrorCode.METHOD_NOT_ALLOWED, 405
    template, top_message = "The HTTP method is not allowed for this endpoint", "Method not allowed"


class PayloadTooLarge(ApplicationError):
    code, status, template = ErrorCode.PAYLOAD_TOO_LARGE, 413, "Request body too large"


class UnsupportedMediaType(ApplicationError):
    code, status, template = ErrorCode.UNSUPPORTED_MEDIA_TYPE, 415, "Content-Type must be application/json"


class RateLimited(ApplicationError):
    """429; ``retry_after`` (seconds, optional) becomes the Retry-After header."""

    code, status, template = ErrorCode.RATE_LIMIT_EXCEEDED, 429, "Too many requests. Please try again later."

    @property
    def headers(self) -> dict[str, str]:
        retry_after = self.data.get("retry_after")
        return {} if retry_after is None else {"Retry-After": str(retry_after)}


class ServiceUnavailable(ApplicationError):
    """503; ``retry_after`` (seconds, optional) becomes the Retry-After header."""

    code, status, template = ErrorCode.SERVICE_UNAVAILABLE, 503, "Service temporarily unavailable"

    @property
    def headers(self) -> dict[str, str]:
        retry_after = self.data.get("retry_after")
        return {} if retry_after is None else {"Retry-After": str(retry_after)}


class InternalError(ApplicationError):
    code, status = ErrorCode.INTERNAL_SERVER_ERROR, 500
    template, top_message = "An unexpected error occurred. Please try again later.", "An internal server error occurred"


class ClientError(ApplicationError):
    """Another 4xx that Django REST framework raised itself (``status``, ``detail`` as data)."""

    template = "{detail}"

    @property
    def http_status(self) -> int:
        return self.data["status"]


class Referenced:
    """``error_map`` entry for a row missing when a body field names it (400, not 404)."""

    status = 400

    def __init__(self, error: type[ReferencedRowMissing]) -> None:
        self.code = error.code


# -- malformed requests ---------------------------------------------------------------------
class MalformedJson(ApplicationError):
    template = "Malformed JSON request body"


class BodyNotObject(ApplicationError):
    template = "Request body must be a JSON object"


class InvalidPathUuid(ApplicationError):
    template = "Invalid UUID: {value}"


class ValidationFailed(ApplicationError):
    """Field, query and header validation: ``details`` maps each wire name to one message."""

    code = ErrorCode.VALIDATION_ERROR
    template = "Validation failed"

    def __init__(self, details: dict[str, str]) -> None:
        super().__init__(fields=details)

    @property
    def details(self) -> dict[str, str]:
        return self.data["fields"]


class IdempotencyKeyReused(ApplicationError):
    code, status = ErrorCode.IDEMPOTENCY_KEY_REUSED, 409
    template = "Idempotency-Key was already used with a different request"
