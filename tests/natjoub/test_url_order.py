"""The API includes come first in natjoub/urls.py (the busiest routes are resolved with fewer
regex matches); that is only a speed-up if the order decides no route: the prefixes are disjoint."""

from django.urls import URLPattern, URLResolver, resolve

from natjoub import urls


def flatten(patterns, prefix: str = "") -> list[tuple[str, object]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += flatten(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append((prefix, pattern))
    return found


def test_no_order_or_auth_route_matches_an_inventory_path():
    includes = [p for p in urls.urlpatterns if isinstance(p, URLResolver) and str(p.pattern) == "api/v1/"]
    assert len(includes) == 2
    samples = ["inventory/movements", "inventory/items/x", "inventory/branches/x/staff", "inventory/"]
    for include in includes:
        for _, pattern in flatten(include.url_patterns):
            assert not any(pattern.pattern.regex.search(path) for path in samples), pattern.pattern


def test_nothing_after_the_api_includes_matches_an_api_path_but_the_catch_all():
    position = max(i for i, p in enumerate(urls.urlpatterns) if str(p.pattern).startswith("api/v1/"))
    later = urls.urlpatterns[position + 1 : -1]
    for pattern in later:
        for path in ("api/v1/inventory/movements", "api/v1/orders", "api/v1/auth/login"):
            assert pattern.pattern.match(path) is None, pattern.pattern


def test_routes_resolve_to_their_views():
    assert resolve("/api/v1/inventory/movements").url_name == "movement-list"
    assert resolve("/api/v1/customer/auth/bookings").func.cls.__module__.startswith("order_app")
    assert resolve("/api/v1/auth/login").func.cls.__module__.startswith("auth_app")
    assert resolve("/health/live").url_name == "health-live"
    assert resolve("/api/v1/nowhere").url_name == "unmatched"


def test_the_busiest_inventory_routes_come_first_and_decide_no_route():
    """inventory_app/urls.py tries the movement and item routes before the others: only a speed-up
    if no other inventory route matches their paths, and they match none of the others'."""
    from inventory_app import urls as inventory_urls

    first = inventory_urls.urlpatterns[0]
    assert isinstance(first, URLResolver)
    busiest = [pattern for _, pattern in flatten(first.url_patterns)]
    assert {pattern.name for pattern in busiest} == {"movement-list", "movement-detail", "item-list", "item-detail"}
    others = [pattern for _, pattern in flatten(inventory_urls.urlpatterns[1:])]
    busiest_paths = ["movements", "movements/", "movements/x", "items", "items/x/"]
    other_paths = [
        "branches/mine",
        "branches/x/staff/y",
        "sellers/x/access",
        "stock-levels/low-stock",
        "categories/tree",
        "categories/x",
        "reservations/x/release",
        "transfers/x/receive",
        "stock-alerts/x",
    ]
    for pattern in others:
        assert not any(pattern.pattern.regex.search(path) for path in busiest_paths), pattern.pattern
    for pattern in busiest:
        assert not any(pattern.pattern.regex.search(path) for path in other_paths), pattern.pattern
    for path in other_paths:
        assert any(pattern.pattern.regex.search(path) for pattern in others), path  # the samples are routes
