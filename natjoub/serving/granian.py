"""The granian command line every NatJoub server process uses (``manage.py serve``, the cluster's
app nodes, the tests and benchmarks that start a real server): granian through
``natjoub.serving.granian_main`` with the stop-signal relay in its workers (stop_signals.py),
a kill timeout for workers that do not stop, and the app's own access log."""

from __future__ import annotations

import sys

from natjoub.serving.stop_signals import WORKER_FLAG

WORKERS_KILL_TIMEOUT = 3  # seconds granian's main process waits for a worker before killing it
APP = "natjoub.wsgi:application"


def command(
    *, host: str, port: int, workers: int, threads: int | None = None, respawn: bool = True, app: str = APP, extra=()
) -> list[str]:
    """The argv of a granian server of ``app`` (the NatJoub WSGI app by default) on ``host:port``."""
    argv = [
        sys.executable, "-m", "natjoub.serving.granian_main",
        "--interface", "wsgi",
        "--host", host,
        "--port", str(port),
        "--workers", str(workers),
        "--workers-kill-timeout", str(WORKERS_KILL_TIMEOUT),
        "--no-access-log",  # natjoub.access logs one JSON line per request
    ]  # fmt: skip
    if threads is not None:
        argv += ["--blocking-threads", str(threads)]
    if respawn:
        argv.append("--respawn-failed-workers")
    return [*argv, *extra, app]


def environment(base: dict[str, str]) -> dict[str, str]:
    """``base`` plus what the workers need to stop on the first SIGTERM."""
    return {**base, WORKER_FLAG: "1"}
