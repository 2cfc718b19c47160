"""OpenAPI description of the bearer authentication (loaded by AuthAppConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "auth_app.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Access token from login, register or refresh-token (HS256, 15 minutes).",
        }

    def get_security_requirement(self, auto_schema):
        return None  # the requirement comes from SPECTACULAR_SETTINGS["SECURITY"] (no duplicate)
