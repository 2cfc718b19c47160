"""Render every DRF response as the contract's envelope (§2) with camelCase keys."""

from __future__ import annotations

from rest_framework.renderers import BaseRenderer

from natjoub.api.envelope import dumps, is_envelope, success


class EnvelopeJSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None  # JSON is UTF-8 by definition; no charset parameter

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if not is_envelope(data):
            data = success(data, getattr(response, "message", None) or "OK")
        return dumps(data)
