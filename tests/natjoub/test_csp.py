"""The back office's Content-Security-Policy (docs/api.md §35): sent on every /admin/ page, not on
the API; and no back-office page needs an exception to it (no inline script, style element or style
attribute). tests/browser/test_csp.py checks the same in Chromium, which reports violations."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from auth_app.models import RoleName
from tests.factories import make_user

pytestmark = pytest.mark.django_db

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# Script types a browser executes (anything else, e.g. application/json data, is inert).
EXECUTABLE_SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}


class InlineCode(HTMLParser):
    """Collects what ``script-src 'self'; style-src 'self'`` would block in a page."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "style" in attributes:
            self.found.append(f"<{tag} style={attributes['style']!r}>")
        self.found += [f"<{tag} {name}=…>" for name in attributes if name.startswith("on")]
        if tag == "style":
            self.found.append("<style> element")
        href = attributes.get("href") or ""
        if href.lower().startswith("javascript:"):
            self.found.append(f"<{tag} href=javascript:…>")
        script_type = (attributes.get("type") or "").lower()
        self._inline_script = tag == "script" and "src" not in attributes and script_type in EXECUTABLE_SCRIPT_TYPES

    def handle_data(self, data):
        if self._inline_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._inline_script = False


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.fixture
def back_office() -> Client:
    client = Client()
    client.force_login(make_user(RoleName.ADMIN))
    return client


def admin_pages() -> list[str]:
    pages = [reverse("admin:index"), reverse("admin:password_change")]
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(_admin_request()):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
    return pages


def _admin_request():
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = make_user(RoleName.ADMIN)
    return request


def test_the_back_office_sends_the_policy(back_office):
    assert back_office.get("/admin/").headers["Content-Security-Policy"] == POLICY
    assert Client().get("/admin/login/").headers["Content-Security-Policy"] == POLICY


def test_the_api_and_its_docs_pages_get_no_back_office_policy(client, admin_client):
    for response in [
        admin_client.get("/api/v1/inventory/branches"),
        client.get("/api/v1/auth/me"),
        client.get("/health/live"),
        client.get("/api/docs/"),  # Swagger UI runs an inline script of its own
    ]:
        assert "Content-Security-Policy" not in response.headers, response.request["PATH_INFO"]


def test_no_back_office_page_needs_inline_code(back_office):
    pages = admin_pages()
    assert len(pages) > 10
    for page in pages:
        response = back_office.get(page)
        assert response.status_code == 200, (page, response.status_code)
        assert response.headers["Content-Security-Policy"] == POLICY, page
        assert inline_code(response.content.decode()) == [], page


def test_the_inline_code_finder_finds_what_the_policy_blocks():
    assert inline_code('<div style="margin: 0"><script>alert(1)</script><style>p{}</style>') == [
        "<div style='margin: 0'>",
        "inline <script>: 'alert(1)'",
        "<style> element",
    ]
    assert inline_code('<a href="javascript:void(0)" onclick="x()">') == ["<a onclick=…>", "<a href=javascript:…>"]
    inert = '<script id="d" type="application/json">{"a": 1}</script><script src="/static/x.js"></script>'
    assert inline_code(inert) == []
