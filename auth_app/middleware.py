"""``Cache-Control: no-store`` on every response of the auth routes (docs/api.md §25): tokens,
profiles and sessions must never sit in a browser's or a proxy's cache. Listed first in
MIDDLEWARE, so the answers given before routing (429, 413) carry it too."""

from __future__ import annotations

import re

AUTH_ROUTES = re.compile(r"^/api/v1/(?:(?:admin|seller|customer)/)?auth(?:/|$)")


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if AUTH_ROUTES.match(request.path):
            response["Cache-Control"] = "no-store"
        return response
