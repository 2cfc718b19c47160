"""Django's own error views (handler400/403/404/500) in the API's envelope.

Django answers some requests before any view runs: an invalid ``Host`` header (DisallowedHost),
too many form fields, a PermissionDenied or Http404 outside DRF, an exception in a plain Django
view. Its default pages are HTML; API clients get the contract's envelope instead (§3.2). The
admin keeps Django's HTML pages.
"""

from __future__ import annotations

from django.views import defaults

from natjoub.api.envelope import error_response
from natjoub.api.exceptions import (
    FORBIDDEN_MESSAGE,
    INTERNAL_DETAIL,
    INTERNAL_TOP,
    NOT_FOUND_DETAIL,
    NOT_FOUND_TOP,
)
from natjoub.middleware import is_admin_path


def bad_request(request, exception=None):
    if is_admin_path(request):
        return defaults.bad_request(request, exception)
    return error_response(400, "BAD_REQUEST", "Bad request")


def permission_denied(request, exception=None):
    if is_admin_path(request):
        return defaults.permission_denied(request, exception)
    return error_response(403, "FORBIDDEN", FORBIDDEN_MESSAGE)


def page_not_found(request, exception=None):
    if is_admin_path(request):
        return defaults.page_not_found(request, exception)
    return error_response(404, "NOT_FOUND", NOT_FOUND_DETAIL, top_message=NOT_FOUND_TOP)


def server_error(request):
    if is_admin_path(request):
        return defaults.server_error(request)
    return error_response(500, "INTERNAL_SERVER_ERROR", INTERNAL_DETAIL, top_message=INTERNAL_TOP)
