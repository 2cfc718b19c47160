"""Registries the apps fill in ``AppConfig.ready()`` (docs/architecture.md, "Boundaries").

The core (``natjoub``) never imports an app; it loops over what the apps registered here, the way
NetBox registers dashboard widgets and system jobs:

* ``dashboard_panels``: sections of the back office's dashboard, each built from its app's selectors;
* ``maintenance_jobs``: housekeeping that ``manage.py purge_expired`` runs (expired tokens, keys, …).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DashboardPanel:
    """A dashboard section: ``template`` rendered with ``context(request)`` as ``panel``."""

    name: str
    title: str
    template: str
    context: Callable[[Any], dict]
    order: int = 100


@dataclass(frozen=True)
class MaintenanceJob:
    """A housekeeping step; ``run()`` returns how many rows of each kind it handled."""

    name: str
    description: str
    run: Callable[[], dict[str, int]]
    order: int = 100


class Registry[T: (DashboardPanel, MaintenanceJob)]:
    """Entries by unique name, iterated by ``order`` then name."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, entry: T) -> T:
        existing = self._entries.get(entry.name)
        if existing is not None and existing != entry:
            raise ValueError(f"{self.kind} {entry.name!r} is already registered")
        self._entries[entry.name] = entry
        return entry

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def __iter__(self) -> Iterator[T]:
        return iter(sorted(self._entries.values(), key=lambda entry: (entry.order, entry.name)))

    def __len__(self) -> int:
        return len(self._entries)


dashboard_panels: Registry[DashboardPanel] = Registry("dashboard panel")
maintenance_jobs: Registry[MaintenanceJob] = Registry("maintenance job")
