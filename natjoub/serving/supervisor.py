"""Run granian as a child process group and stop it within a deadline.

Granian runs in its own session, so a terminal's Ctrl-C (sent to the whole foreground process group)
reaches only ``manage.py serve``, which then sends one SIGTERM to granian's main process; that one
stops its workers gracefully (in-flight requests finish). Whatever happens, the deadline holds: after
``stop_timeout`` seconds, or at a second Ctrl-C, every process of granian's group gets SIGKILL, and
after granian's main process exits, stragglers of its group are killed too. The wait loop polls,
so our own handlers run even when a signal lands on another thread of this process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass

from natjoub.serving.procfs import processes
from natjoub.serving.stop_signals import STOP_SIGNALS


@dataclass
class Outcome:
    returncode: int
    stop_requested: bool


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group."""
    return [p.pid for p in processes() if p.pgid == pgid and p.state not in ("Z", "X")]


def run(command: list[str], *, env: dict[str, str], stop_timeout: float) -> Outcome:
    process = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603 - fixed argv
    stop_at: list[float] = []

    def on_stop_signal(signum, _frame):
        if not stop_at:
            stop_at.append(time.monotonic())
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        else:  # a second Ctrl-C: stop now
            _kill_group(process.pid)

    previous = {signum: signal.signal(signum, on_stop_signal) for signum in STOP_SIGNALS}
    try:
        while True:
            try:
                code = process.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                if stop_at and time.monotonic() - stop_at[0] > stop_timeout:
                    _kill_group(process.pid)
    finally:
        _kill_group(process.pid)  # workers whose main process is gone must not keep serving
        deadline = time.monotonic() + 5
        while group_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return Outcome(returncode=code, stop_requested=bool(stop_at))
