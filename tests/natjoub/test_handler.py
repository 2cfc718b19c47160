"""natjoub/serving/handler.py: the served app's two middleware chains answer every request as the
single chain of ``settings.MIDDLEWARE`` does (the test client's), and the back office keeps its
whole chain."""

from __future__ import annotations

import io
import sys

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

from natjoub.serving.handler import SplitChainHandler, without_admin_only

pytestmark = pytest.mark.django_db(transaction=True)


def call(application, path: str, method: str = "GET") -> tuple[str, dict, bytes]:
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
        "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "testserver",
        "HTTP_X_REQUEST_ID": "fixed-id", "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
        "wsgi.multiprocess": True, "wsgi.run_once": False,
    }  # fmt: skip
    started = []
    chunks = application(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
    try:
        body = b"".join(chunks)
    finally:
        chunks.close()
    status, headers = started[0]
    return status, dict(headers), body


def test_the_other_chain_leaves_out_the_admin_only_middleware():
    left_out = [path for path in settings.MIDDLEWARE if path not in without_admin_only(settings.MIDDLEWARE)]
    assert left_out == [
        "natjoub.middleware.AdminContentSecurityPolicyMiddleware",
        "natjoub.middleware.AdminSessionMiddleware",
        "natjoub.middleware.AdminAuthenticationMiddleware",
        "natjoub.middleware.AdminSessionLimitMiddleware",
        "natjoub.middleware.AdminMessageMiddleware",
    ]
    handler = SplitChainHandler()
    assert handler.other_paths is not handler
    assert settings.MIDDLEWARE[5] == "natjoub.middleware.BodySizeLimitMiddleware"  # loading put the list back


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/health/live", "GET"),
        ("/health/live", "POST"),  # the API's 405
        ("/api/v1/inventory/items", "GET"),  # 401 without a token
        ("/api/v1/nowhere", "GET"),  # the JSON 404
        ("/admin/login/", "GET"),  # the back office: the whole chain (session, CSP, ...)
    ],
)
def test_both_chains_answer_as_the_single_chain(path, method):
    split, single = SplitChainHandler(), WSGIHandler()
    status, headers, body = call(split, path, method)
    expected_status, expected_headers, expected_body = call(single, path, method)
    if path.startswith("/admin/"):  # a fresh CSRF token in the form and its cookie
        assert "Content-Security-Policy" in headers
        headers.pop("Set-Cookie"), expected_headers.pop("Set-Cookie")
        body, expected_body = body[:200], expected_body[:200]
    assert (status, headers, body) == (expected_status, expected_headers, expected_body)
