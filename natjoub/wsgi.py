"""WSGI entry point for the production app server (granian, see `manage.py serve`).

In a granian worker started by `manage.py serve`, stop signals are relayed first (before anything
starts a thread; natjoub/serving/stop_signals.py), and every request body is read before its
response (natjoub/serving/request_body.py).
"""

import os

from natjoub.serving import stop_signals

stop_signals.relay_in_granian_worker()

from django.core.wsgi import get_wsgi_application  # noqa: E402

from natjoub.serving.request_body import DrainRequestBody  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "natjoub.settings")
_django = get_wsgi_application()

from django.conf import settings  # noqa: E402 - configured by get_wsgi_application()

application = DrainRequestBody(_django, body_limit=settings.MAX_REQUEST_BODY_BYTES)
