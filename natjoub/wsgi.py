"""WSGI entry point for the production app server (granian, see `manage.py serve`).

In a granian worker started by `manage.py serve`, stop signals are relayed first (before anything
starts a thread; natjoub/serving/stop_signals.py), and every request body is read before its
response (natjoub/serving/request_body.py).
"""

import gc
import os

from natjoub.serving import stop_signals

stop_signals.relay_in_granian_worker()

from django.core.wsgi import get_wsgi_application  # noqa: E402

from natjoub.serving.request_body import DrainRequestBody  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "natjoub.settings")
_django = get_wsgi_application()

from django.conf import settings  # noqa: E402 - configured by get_wsgi_application()

application = DrainRequestBody(_django, body_limit=settings.MAX_REQUEST_BODY_BYTES)

# What loading left (~100,000 objects: modules, classes, functions, URL patterns, settings) lives
# as long as the process: out of the collector's reach, a full collection walks ~14,000 objects
# instead of ~113,000 (a stop of every thread of the worker: ~80 ms of CPU with the GIL held, once
# per 1,000-2,000 requests; docs/architecture.md §3.8).
gc.collect()
gc.freeze()
