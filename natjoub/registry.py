"""Registries the apps fill in ``AppConfig.ready()`` (docs/architecture.md, "Boundaries").

The core (``natjoub``) never imports an app; it loops over what the apps registered here, the way
NetBox registers dashboard widgets and system jobs:

* ``dashboard_panels``: sections of the back office's dashboard, each built from its app's selectors;
* ``maintenance_jobs``: housekeeping that ``manage.py purge_expired`` runs (expired tokens, keys, …);
* ``demo_seeders``: the demo data ``manage.py seed_demo`` creates, each app its own, in dependency order;
* ``seller_dashboard``: the figures of ``GET /api/v1/seller/auth/dashboard`` (docs/api.md §37.11),
  computed by the apps that own them (orders, stock) for the view auth owns;
* ``mail_kinds``: the renderers of the mail outbox's event kinds (natjoub/outbox.py), e.g. the
  order app's ``order.placed``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class SeedFlag:
    """A ``seed_demo`` option a seeder understands (``--orders``); off unless given."""

    name: str
    help: str


@dataclass
class SeedContext:
    """What one ``seed_demo`` run shares: its options (``orders``, …) and values seeders hand on
    (``values["admin_id"]`` from the accounts seeder)."""

    options: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoSeeder:
    """Demo data of one app: ``run(ctx)`` creates what is missing and returns report lines."""

    name: str
    run: Callable[[SeedContext], list[str]]
    after: tuple[str, ...] = ()
    flags: tuple[SeedFlag, ...] = ()
    order: int = 100


@dataclass(frozen=True)
class DashboardFigures:
    """Figures of the seller dashboard: ``compute(user_id=, role=, days=)`` returns snake_case keys."""

    name: str
    compute: Callable[..., dict[str, Any]]
    order: int = 100


@dataclass(frozen=True)
class MailKind:
    """The mail of one outbox event kind (natjoub/outbox.py). ``render(payloads)`` gets the payloads
    of a batch of events of this kind and returns, for each one in the same order, the messages to
    send (an empty list: nothing to send), so a batch of N events costs the queries of one and
    each event is marked sent or failed on its own."""

    name: str
    render: Callable[[list[dict]], list[list[Any]]]
    order: int = 100


class Registry[T: (DashboardPanel, MaintenanceJob, DemoSeeder, DashboardFigures, MailKind)]:
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

    def get(self, name: str) -> T | None:
        return self._entries.get(name)

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def __iter__(self) -> Iterator[T]:
        return iter(sorted(self._entries.values(), key=lambda entry: (entry.order, entry.name)))

    def __len__(self) -> int:
        return len(self._entries)


def in_dependency_order(seeders: Registry[DemoSeeder]) -> list[DemoSeeder]:
    """Seeders with every ``after`` name before them (stable by order, then name); an unknown or
    circular dependency is a configuration error."""
    pending = {seeder.name: seeder for seeder in seeders}
    done: list[DemoSeeder] = []
    placed: set[str] = set()
    while pending:
        ready = [s for s in pending.values() if set(s.after) <= placed]
        if not ready:
            raise ValueError(f"demo seeders with unknown or circular dependencies: {sorted(pending)}")
        first = min(ready, key=lambda entry: (entry.order, entry.name))
        done.append(first)
        placed.add(first.name)
        del pending[first.name]
    return done


dashboard_panels: Registry[DashboardPanel] = Registry("dashboard panel")
maintenance_jobs: Registry[MaintenanceJob] = Registry("maintenance job")
demo_seeders: Registry[DemoSeeder] = Registry("demo seeder")
seller_dashboard: Registry[DashboardFigures] = Registry("seller dashboard figures")
mail_kinds: Registry[MailKind] = Registry("mail kind")
