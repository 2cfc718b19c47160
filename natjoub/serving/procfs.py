"""The processes of this machine as /proc lists them (Linux), for stopping whole process trees."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import NamedTuple


class ProcessStat(NamedTuple):
    pid: int
    state: str  # "R", "S", ... "Z" (zombie), "X" (dead)
    ppid: int
    pgid: int


def processes() -> Iterator[ProcessStat]:
    """Every process /proc shows now; one that exits while being read is skipped."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                # the command name (field 2) may contain spaces and parentheses: split after its ")"
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        yield ProcessStat(int(entry.name), fields[0], int(fields[1]), int(fields[2]))
