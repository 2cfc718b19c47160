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
