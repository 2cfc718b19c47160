"""OpenAPI generation that documents what the wire really carries: camelCase keys, the envelope
around every body, and the error envelope for the generic error statuses."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

from natjoub.api.casing import to_camel

ERROR_COMPONENT = "ErrorEnvelope"
ERROR_SCHEMA = {
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

    error_statuses = ("400", "401", "403", "404", "405", "409", "413", "415", "429", "503")

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.method == "DELETE" and "204" in responses:
            responses = {"200": self._wrap({"description": "Deleted"}, None)}
        for code, response in list(responses.items()):
            if code.startswith("2"):
                responses[code] = self._wrap(response, self._data_schema(response))
        self.registry.register_on_missing(
            ResolvedComponent(
                name=ERROR_COMPONENT, type=ResolvedComponent.SCHEMA, object=ERROR_COMPONENT, schema=ERROR_SCHEMA
            )
        )
        ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
        for code in self.error_statuses:
            responses.setdefault(
                code, {"description": ERROR_DESCRIPTIONS[code], "content": {"application/json": {"schema": ref}}}
            )
        return responses

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
