"""Work that runs after the response: a small pool of threads per process, no task queue.

Services hand side effects that talk to the outside world (e-mail over SMTP) to ``after_response``
from their ``transaction.on_commit`` callbacks, so a slow or unreachable mail server never shows in
a response's timing (docs/api.md §6.5: the answer of forgot-password must not reveal whether the
address belongs to an active account). Threads are not daemons: a worker that stops gracefully
finishes what it queued. ``BACKGROUND_TASKS_EAGER`` (tests) runs the work at once instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger("natjoub.background")
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_pending: set[Future] = set()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="natjoub-after-response")
        return _executor


def _run(task: Callable[[], None]) -> None:
    try:
        task()
    except Exception:
        logger.exception("background task failed")


def _run_in_thread(task: Callable[[], None]) -> None:
    try:
        _run(task)
    finally:
        close_old_connections()  # a task that used the database must not keep this thread's connection


def after_response(task: Callable[[], None]) -> None:
    """Run ``task`` in a background thread of this process (at once, in the caller's thread, when eager)."""
    if getattr(settings, "BACKGROUND_TASKS_EAGER", False):
        _run(task)
        return
    future = _pool().submit(_run_in_thread, task)
    _pending.add(future)
    future.add_done_callback(_pending.discard)


def wait_for_background_tasks(timeout: float = 10) -> None:
    """Block until the queued tasks are done (tests, and anyone who must know the mail left)."""
    wait(list(_pending), timeout=timeout)
