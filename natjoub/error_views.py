"""Django's own error views (handler400/403/404/500) in the API's envelope.

Django answers some requests before any view runs: an invalid ``Host`` header (DisallowedHost),
too many form fields, a PermissionDenied or Http404 outside DRF, an exception in a plain Django
view. Its default pages are HTML; API clients get the contract's envelope instead (§3.2). The
admin keeps Django's HTML pages.
"""

from __future__ import annotations

from django.views import defaults

from natjoub.api.envelope import error_response
from natjoub.api.errors import BadRequest, Forbidden, InternalError, RouteNotFound
from natjoub.middleware import is_admin_path


def bad_request(request, exception=None):
    if is_admin_path(request):
        return defaults.bad_request(request, exception)
    return error_response(BadRequest())


def permission_denied(request, exception=None):
    if is_admin_path(request):
        return defaults.permission_denied(request, exception)
    return error_response(Forbidden())


def page_not_found(request, exception=None):
    if is_admin_path(request):
        return defaults.page_not_found(request, exception)
    return error_response(RouteNotFound())


def server_error(request):
    if is_admin_path(request):
        return defaults.server_error(request)
    return error_response(InternalError())
