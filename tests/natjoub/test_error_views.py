"""Errors Django raises before or outside DRF answer in the contract's envelope (§3.2); the admin
keeps Django's HTML error pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from natjoub import error_views
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db


JSON = "application/json"  # the exact header (assert_error otherwise accepts any JSON media type)


@pytest.mark.parametrize("host", [".", "bad host", "[::1"])
@pytest.mark.parametrize("path", ["/api/v1/inventory/items", "/api/v1/auth/login", "/health"])
def test_invalid_host_header_is_a_bad_request_envelope(client, host, path):
    assert_error(client.get(path, HTTP_HOST=host), 400, "BAD_REQUEST", "Bad request", content_type=JSON)


def test_invalid_host_on_the_admin_keeps_the_html_page(client):
    response = client.get("/admin/login/", HTTP_HOST=".")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("handler", "exception", "status", "code", "message", "top"),
    [
        (error_views.permission_denied, PermissionDenied(), 403, "FORBIDDEN",
         "You don't have permission to access this resource", None),
        (error_views.page_not_found, Http404(), 404, "NOT_FOUND", "The requested resource was not found",
         "Resource not found"),
    ],
)  # fmt: skip
def test_handlers_answer_in_the_envelope(handler, exception, status, code, message, top):
    request = RequestFactory().get("/api/v1/anything")
    assert_error(handler(request, exception), status, code, message, top=top, content_type=JSON)


def test_server_error_handler_hides_the_failure():
    response = error_views.server_error(RequestFactory().get("/api/v1/anything"))
    assert_error(response, 500, "INTERNAL_SERVER_ERROR", "An unexpected error occurred. Please try again later.",
                 top="An internal server error occurred", content_type=JSON)  # fmt: skip


@pytest.mark.parametrize(
    ("handler", "args", "status"),
    [
        (error_views.bad_request, (Exception(),), 400),
        (error_views.permission_denied, (PermissionDenied(),), 403),
        (error_views.page_not_found, (Http404(),), 404),
        (error_views.server_error, (), 500),
    ],
)
def test_admin_paths_keep_django_pages(handler, args, status):
    response = handler(RequestFactory().get("/admin/inventory_app/"), *args)
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.urls("tests.natjoub.probe_urls")
@pytest.mark.parametrize(
    ("path", "status", "code", "message", "top"),
    [
        ("/api/v1/plain/400", 400, "BAD_REQUEST", "Bad request", None),
        ("/api/v1/plain/403", 403, "FORBIDDEN", "You don't have permission to access this resource", None),
        ("/api/v1/plain/404", 404, "NOT_FOUND", "The requested resource was not found", "Resource not found"),
        ("/api/v1/plain/500", 500, "INTERNAL_SERVER_ERROR", "An unexpected error occurred. Please try again later.",
         "An internal server error occurred"),
    ],
)  # fmt: skip
def test_plain_django_views_fail_in_the_envelope(path, status, code, message, top):
    """The handlers are wired in the URLconf: a non-DRF view's failure answers the envelope."""
    from django.test import Client

    response = Client(raise_request_exception=False).get(path)
    assert_error(response, status, code, message, top=top, content_type=JSON)
    assert b"secret internals" not in response.content
