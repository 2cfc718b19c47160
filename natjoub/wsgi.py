"""WSGI entry point for the production app server (granian, see `manage.py serve`).

In a granian worker started by `manage.py serve`, stop signals are relayed first (before anything
starts a thread; natjoub/serving/stop_signals.py), and every request body is read before its
response (natjoub/serving/request_body.py).
"""

import gc
import logging
import os

from natjoub.serving import stop_signals

stop_signals.relay_in_granian_worker()

import django  # noqa: E402

from natjoub.serving.request_body import DrainRequestBody  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "natjoub.settings")
django.setup(set_prefix=False)  # what get_wsgi_application() does, with the handler of two chains

from natjoub.serving.handler import SplitChainHandler  # noqa: E402 - imports the settings' middleware

_django = SplitChainHandler()

from django.conf import settings  # noqa: E402 - configured by django.setup()

application = DrainRequestBody(_django, body_limit=settings.MAX_REQUEST_BODY_BYTES)

# Every request writes an access log line (natjoub/middleware.py). The JSON lines carry none of the
# record's caller, thread, process or task fields (natjoub/logging.py), so the served app does not
# compute them: the switches of the logging HOWTO's "Optimization" section (the caller's file and
# line were a walk up the stack per record; ~5 µs of a ~200 µs /health/live, bench/results/notes.md
# "Round 4").
logging._srcfile = None
logging.logThreads = logging.logProcesses = logging.logMultiprocessing = logging.logAsyncioTasks = False

# What loading left (~100,000 objects: modules, classes, functions, URL patterns, settings) lives
# as long as the process: out of the collector's reach, a full collection walks ~14,000 objects
# instead of ~113,000 (a stop of every thread of the worker: ~80 ms of CPU with the GIL held, once
# per 1,000-2,000 requests; docs/architecture.md §3.8).
gc.collect()
gc.freeze()
