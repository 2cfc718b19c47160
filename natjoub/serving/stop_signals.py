"""Stop signals in granian's processes reach the thread that can act on them.

Granian's main process and each WSGI worker install a Python handler for SIGINT/SIGTERM and then
park their main thread in an untimed ``threading.Event.wait()``. CPython runs Python handlers only
in the main thread, and only when it executes bytecode or when a blocking call there is interrupted.
A process-directed signal may be delivered to any thread that does not block it; when the kernel
picks another thread (granian's tokio and blocking threads, psycopg's pool threads, granian's
watcher threads), the handler is only recorded, the main thread sleeps on and the process keeps
running. Seen as: Ctrl-C leaves a worker serving and granian's main process waiting for it forever,
in 6 of 8 tries on a loaded machine; 0 of 10 once the signals are routed as below.

``relay()`` blocks both signals in the calling (main) thread before any other thread exists, so
every thread created afterwards inherits the block, and starts one relay thread that takes them
with ``sigwait()`` and calls whatever Python handler is installed by then. Granian's handlers only
set thread-safe events, so running them from another thread is sound. A signal that arrives before
granian installed its handler (the process is still loading) ends the process at once: it has not
served anything yet. The process also asks for SIGTERM when its parent dies, so nothing orphaned
keeps the port.
"""

from __future__ import annotations

import ctypes
import os
import signal
import threading

STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
WORKER_FLAG = "NATJOUB_RELAY_STOP_SIGNALS"  # set by manage.py serve for its granian processes
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    parent = os.getppid()
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # not Linux: the supervisor still kills the whole process group
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(0)


def _relay_loop(loading_handlers: dict[int, object]) -> None:
    while True:
        signum = signal.sigwait(STOP_SIGNALS)
        handler = signal.getsignal(signum)
        if handler is loading_handlers.get(signum) or not callable(handler):
            os._exit(0)  # the process is still loading: nothing to finish
        handler(signum, None)


def relay() -> bool:
    """Route SIGINT/SIGTERM of this process through a relay thread; False outside the main thread.

    Call it first thing in the main thread, before anything starts a thread.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    _die_with_parent()
    loading_handlers = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    threading.Thread(target=_relay_loop, args=(loading_handlers,), name="natjoub-stop-signals", daemon=True).start()
    return True


def relay_in_granian_worker() -> bool:
    """``relay()`` when this process is a granian worker started by ``manage.py serve``."""
    return os.environ.get(WORKER_FLAG) == "1" and relay()
