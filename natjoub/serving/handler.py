"""The WSGI handler of the served app: two middleware chains, one for the back office.

The admin's middleware (sessions, ``request.user``, messages, the sign-in age limit, the CSP
header; ``natjoub.middleware``'s ``admin_only`` classes) passes every other request through
untouched (``is_admin_path``), but each still costs a layer of Django's chain per request: ~10 µs
of a ~180 µs ``/health/live`` (bench/results/notes.md "Round 4"). This handler loads
``settings.MIDDLEWARE`` twice: whole for ``/admin/`` paths, and without the ``admin_only`` entries
for every other path, in a handler of its own (its own view, template-response and exception
hooks, so no middleware instance serves the other chain). What runs for a request is what the
single chain ran, minus layers that did nothing for it. Django's test client builds the single
chain of the settings, so the tests check both paths through it (tests/natjoub/test_handler.py
compares the two).
"""

from __future__ import annotations

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIHandler
from django.utils.module_loading import import_string

from natjoub.middleware import is_admin_path


def without_admin_only(middleware: list[str]) -> list[str]:
    return [path for path in middleware if not getattr(import_string(path), "admin_only", False)]


class SplitChainHandler(WSGIHandler):
    def load_middleware(self, is_async=False):
        super().load_middleware(is_async)
        whole = settings.MIDDLEWARE
        others = without_admin_only(list(whole))
        self.other_paths = self
        if len(others) == len(whole):
            return
        handler = BaseHandler()
        settings.MIDDLEWARE = others  # read by load_middleware only; put back at once (loading is single-threaded)
        try:
            handler.load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = whole
        self.other_paths = handler

    def get_response(self, request):
        if self.other_paths is self or is_admin_path(request):
            return super().get_response(request)
        return self.other_paths.get_response(request)
