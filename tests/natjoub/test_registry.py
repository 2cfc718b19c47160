"""natjoub.registry: demo seeders run in dependency order (docs/architecture.md §7.2)."""

import pytest

from natjoub.registry import DemoSeeder, Registry, demo_seeders, in_dependency_order


def _seeder(name, after=(), order=100):
    return DemoSeeder(name=name, run=lambda ctx: [], after=after, order=order)


def test_seeders_run_after_what_they_depend_on():
    registry = Registry("demo seeder")
    for seeder in (_seeder("orders", after=("inventory", "accounts"), order=1), _seeder("inventory", ("accounts",))):
        registry.register(seeder)
    registry.register(_seeder("accounts", order=50))
    assert [s.name for s in in_dependency_order(registry)] == ["accounts", "inventory", "orders"]


def test_unknown_or_circular_dependencies_are_configuration_errors():
    registry = Registry("demo seeder")
    registry.register(_seeder("a", after=("b",)))
    registry.register(_seeder("b", after=("a",)))
    with pytest.raises(ValueError, match="circular"):
        in_dependency_order(registry)


def test_the_apps_register_their_seeders():
    names = [s.name for s in in_dependency_order(demo_seeders)]
    assert names.index("accounts") < names.index("inventory")
