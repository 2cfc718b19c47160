"""Root routes: operations, API docs, the admin, each app's API, and a JSON 404 for the rest."""

from django.contrib import admin
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from natjoub import health

urlpatterns = [
    path("", health.root, name="root"),
    re_path(r"^health/?$", health.health, name="health"),
    re_path(r"^health/live/?$", health.health, name="health-live"),
    re_path(r"^health/ready/?$", health.ready, name="health-ready"),
    # The API next, the busiest first: Django tries patterns in order (an inventory write went
    # through ~58 regex matches, ~0.2 ms). The prefixes are disjoint (no auth or order route starts
    # with inventory/, and nothing below matches api/v1/), so the order decides no route.
    path("api/v1/inventory/", include("inventory_app.urls")),
    path("api/v1/", include("order_app.urls")),  # before auth's: it serves the customer's bookings
    path("api/v1/", include("auth_app.urls")),
    re_path(r"^metrics/?$", health.metrics, name="metrics"),
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^api/docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    re_path(r"^api/redoc/?$", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    # Swagger UI / Redoc assets (drf-spectacular-sidecar) and the admin's, served by the service
    # itself in every environment: the docs work offline, with no CDN.
    re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}),
    path("admin/", admin.site.urls),
    re_path(r"^.*$", health.unmatched, name="unmatched"),
]

# Errors Django raises outside DRF (e.g. an invalid Host header) answer in the envelope too.
handler400 = "natjoub.error_views.bad_request"
handler403 = "natjoub.error_views.permission_denied"
handler404 = "natjoub.error_views.page_not_found"
handler500 = "natjoub.error_views.server_error"
