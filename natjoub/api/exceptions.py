"""The one exception handler: every error raised in a view leaves as the contract's envelope."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response

from natjoub.api.envelope import failure
from natjoub.api.errors import ApplicationError

logger = logging.getLogger("natjoub.errors")

UNAUTHORIZED_MESSAGE = "Invalid or expired token"
WWW_AUTHENTICATE = 'Bearer realm="NatJoub Microservices"'
FORBIDDEN_MESSAGE = "You don't have permission to access this resource"
INTERNAL_TOP = "An internal server error occurred"
INTERNAL_DETAIL = "An unexpected error occurred. Please try again later."
UNAVAILABLE = "Service temporarily unavailable"
TOO_LARGE = "Request body too large"
UNSUPPORTED = "Content-Type must be application/json"
MALFORMED = "Malformed JSON request body"
NOT_FOUND_TOP = "Resource not found"
NOT_FOUND_DETAIL = "The requested resource was not found"
METHOD_TOP = "Method not allowed"
METHOD_DETAIL = "The HTTP method is not allowed for this endpoint"


def first_messages(detail) -> dict[str, str]:
    """Flatten DRF's ``{field: [ErrorDetail, …]}`` to ``{field: "first message"}``."""
    if isinstance(detail, dict):
        flat = {}
        for field, errors in detail.items():
            while isinstance(errors, list | tuple) and errors:
                errors = errors[0]
            if isinstance(errors, dict):  # nested serializer: report the field as invalid
                errors = "Invalid value"
            flat[str(field)] = str(errors)
        return flat
    if isinstance(detail, list | tuple) and detail:
        return {"non_field_errors": str(detail[0])}
    return {"non_field_errors": str(detail)}


def _respond(status: int, code: str, message: str, details=None, *, top=None, headers=None) -> Response:
    return Response(failure(code, message, details, top_message=top), status=status, headers=headers)


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return _respond(exc.status_code, exc.code, exc.message, exc.details, headers=exc.headers)
    if isinstance(exc, drf.ValidationError):
        return _respond(400, "VALIDATION_ERROR", "Validation failed", first_messages(exc.detail))
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        return _respond(401, "UNAUTHORIZED", UNAUTHORIZED_MESSAGE, headers={"WWW-Authenticate": WWW_AUTHENTICATE})
    if isinstance(exc, drf.PermissionDenied | DjangoPermissionDenied):
        return _respond(403, "FORBIDDEN", FORBIDDEN_MESSAGE)
    if isinstance(exc, drf.NotFound | Http404):
        return _respond(404, "NOT_FOUND", NOT_FOUND_DETAIL, top=NOT_FOUND_TOP)
    if isinstance(exc, drf.MethodNotAllowed):
        return _respond(405, "METHOD_NOT_ALLOWED", METHOD_DETAIL, top=METHOD_TOP)
    if isinstance(exc, drf.UnsupportedMediaType):
        return _respond(415, "UNSUPPORTED_MEDIA_TYPE", UNSUPPORTED)
    if isinstance(exc, drf.ParseError):
        return _respond(400, "BAD_REQUEST", MALFORMED)
    if isinstance(exc, RequestDataTooBig):
        return _respond(413, "PAYLOAD_TOO_LARGE", TOO_LARGE)
    if isinstance(exc, drf.Throttled):
        return _respond(429, "RATE_LIMIT_EXCEEDED", "Too many requests. Please try again later.")
    if isinstance(exc, OperationalError | InterfaceError):
        logger.error("database unavailable: %s", type(exc).__name__)
        return _respond(503, "SERVICE_UNAVAILABLE", UNAVAILABLE, headers={"Retry-After": "5"})
    if isinstance(exc, drf.APIException):
        return _respond(exc.status_code, "BAD_REQUEST", str(exc.detail))
    logger.exception("unexpected error in %s", type(context.get("view")).__name__)
    return _respond(500, "INTERNAL_SERVER_ERROR", INTERNAL_DETAIL, top=INTERNAL_TOP)
