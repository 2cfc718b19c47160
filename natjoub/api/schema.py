"""OpenAPI generation that documents what the wire really carries: camelCase keys, the envelope
around every body, and the error envelope for the generic error statuses."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from natjoub.api.casing import to_camel
from natjoub.api.errors import ErrorCode, is_registered, registered_error_codes

ERROR_COMPONENT = "ErrorEnvelope"
_ERROR_SCHEMA = {
    "type": "object",
    "required": ["success", "data", "message", "error"],
    "properties": {
        "success": {"type": "boolean", "enum": [False]},
        "data": {"nullable": True},
        "message": {"type": "string"},
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object", "nullable": True, "additionalProperties": True},
            },
        },
    },
}
ERROR_DESCRIPTIONS = {
    "400": "Validation failed, malformed JSON or a business rule",
    "401": "Missing, invalid or expired token",
    "403": "Authenticated with a role that may not do this",
    "404": "Not found",
    "405": "Method not allowed",
    "409": "Conflict with the current state",
    "413": "Request body too large",
    "415": "Content-Type must be application/json",
    "429": "Rate limit exceeded",
    "503": "Database unavailable",
}


def error_envelope_schema() -> dict:
    """The error envelope, its ``error.code`` an enum of every registered code (the core's and those
    the apps declared in ``ready()``, docs/architecture.md §3.6), each owner named in the description."""
    codes = registered_error_codes()
    owners: dict[str, list[str]] = {}
    for code, owner in codes.items():
        owners.setdefault(owner, []).append(code)
    described = "; ".join(f"{owner}: {', '.join(listed)}" for owner, listed in owners.items())
    code = {"type": "string", "enum": list(codes), "description": f"Declared codes by owner. {described}"}
    error = _ERROR_SCHEMA["properties"]["error"]
    return {
        **_ERROR_SCHEMA,
        "properties": {
            **_ERROR_SCHEMA["properties"],
            "error": {**error, "properties": {**error["properties"], "code": code}},
        },
    }


# The codes every route may answer with each generic status (docs/api.md, "Errors").
GENERIC_CODES = {
    "400": [ErrorCode.VALIDATION_ERROR, ErrorCode.BAD_REQUEST],
    "401": [ErrorCode.UNAUTHORIZED],
    "403": [ErrorCode.FORBIDDEN],
    "404": [ErrorCode.NOT_FOUND],
    "405": [ErrorCode.METHOD_NOT_ALLOWED],
    "409": [],
    "413": [ErrorCode.PAYLOAD_TOO_LARGE],
    "415": [ErrorCode.UNSUPPORTED_MEDIA_TYPE],
    "429": [ErrorCode.RATE_LIMIT_EXCEEDED],
    "503": [ErrorCode.SERVICE_UNAVAILABLE],
}
PUBLIC_EXCLUDED = {ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN}  # no bearer check, no role


def envelope_schema(data_schema: dict) -> dict:
    return {
        "type": "object",
        "required": ["success", "data", "message", "error"],
        "properties": {
            "success": {"type": "boolean", "enum": [True]},
            "data": data_schema,
            "message": {"type": "string"},
            "error": {"nullable": True},
        },
    }


class EnvelopeAutoSchema(AutoSchema):
    """Wraps every success body in the envelope (lists are wrapped by the paginator) and adds
    the error envelope for the generic statuses (overridable per operation)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.method == "DELETE" and "204" in responses:
            responses = {"200": self._wrap({"description": "Deleted"}, None)}
        for code, response in list(responses.items()):
            if code.startswith("2"):
                responses[code] = self._wrap(response, self._data_schema(response))
        self.registry.register_on_missing(
            ResolvedComponent(
                name=ERROR_COMPONENT,
                type=ResolvedComponent.SCHEMA,
                object=ERROR_COMPONENT,
                schema=error_envelope_schema(),
            )
        )
        for status, codes in self.error_codes().items():
            if status in responses or not codes:
                continue
            listed = ", ".join(f"`{code}`" for code in codes)
            responses[status] = {
                "description": f"{ERROR_DESCRIPTIONS[status]}. Codes: {listed}",
                "content": {"application/json": {"schema": error_schema(codes)}},
            }
        return dict(sorted(responses.items()))

    def error_codes(self) -> dict[str, list[str]]:
        """Per error status, the codes this operation can answer: the generic ones of every route,
        plus those its viewset declares for the action in ``error_map``."""
        public = not getattr(self.view, "authentication_classes", None)
        codes = {
            status: [code for code in generic if not (public and code in PUBLIC_EXCLUDED)]
            for status, generic in GENERIC_CODES.items()
        }
        declared = getattr(self.view, "error_map", {}).get(getattr(self.view, "action", None), ())
        for error in declared:
            if not is_registered(error.code):
                raise ImproperlyConfigured(
                    f"{type(self.view).__name__}.error_map names {error.code!r}, which no app registered "
                    "(register_error_codes, docs/architecture.md §3.6)"
                )
            listed = codes.setdefault(str(error.status), [])
            if error.code not in listed:
                listed.append(error.code)
        return codes

    def _get_paginator(self):
        if getattr(self.view, "action", None) in getattr(self.view, "unpaginated_actions", ()):
            return None
        return super()._get_paginator()

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        handler = getattr(self.view, getattr(self.view, "action", None) or "", None)
        if getattr(handler, "idempotency", None) is not None:
            parameters.append(IDEMPOTENCY_HEADER)
        return parameters

    @staticmethod
    def _data_schema(response: dict) -> dict | None:
        content = response.get("content") or {}
        media = content.get("application/json") or next(iter(content.values()), None)
        return None if media is None else media.get("schema")

    @staticmethod
    def _wrap(response: dict, data_schema: dict | None) -> dict:
        ref = (data_schema or {}).get("$ref", "")
        if ref.startswith("#/components/schemas/Paginated"):
            return response  # the paginator's schema is already the list envelope
        data = {"nullable": True} if data_schema is None else {"allOf": [data_schema]}
        return {
            **{k: v for k, v in response.items() if k != "content"},
            "content": {"application/json": {"schema": envelope_schema(data)}},
        }


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="1-255 printable ASCII characters; a retry with the same key and body replays the first response",
)


def error_schema(codes: list[str]) -> dict:
    ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    narrowed = {"properties": {"error": {"properties": {"code": {"type": "string", "enum": list(codes)}}}}}
    return {"allOf": [ref, narrowed]}


def camelize_schema(result, generator, request, public):
    """drf-spectacular post-processing hook: component property names as they go on the wire."""
    for schema in result.get("components", {}).get("schemas", {}).values():
        _camelize_properties(schema)
    return result


def _camelize_properties(schema: dict) -> None:
    if "properties" in schema:
        schema["properties"] = {to_camel(k): v for k, v in schema["properties"].items()}
        for value in schema["properties"].values():
            if isinstance(value, dict):
                _camelize_properties(value)
    if "required" in schema and isinstance(schema["required"], list):
        schema["required"] = [to_camel(name) for name in schema["required"]]
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _camelize_properties(schema[key])
