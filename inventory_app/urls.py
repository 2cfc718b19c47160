"""Inventory API routes under ``/api/v1/inventory/`` (with or without a trailing slash)."""

from django.urls import include, re_path

from inventory_app import views
from natjoub.api.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("branches", views.BranchViewSet, basename="branch")
router.register("categories", views.CategoryViewSet, basename="category")  # categories/tree before {id}
router.register("items", views.ItemViewSet, basename="item")
router.register("movements", views.MovementViewSet, basename="movement")
router.register("reservations", views.ReservationViewSet, basename="reservation")

urlpatterns = [
    re_path(
        r"^stock-levels/branch/(?P<branch_id>[^/]+)/?$",
        views.StockLevelViewSet.as_view({"get": "by_branch"}),
        name="stock-levels-branch",
    ),
    re_path(
        r"^stock-levels/low-stock/?$",
        views.StockLevelViewSet.as_view({"get": "low_stock"}),
        name="stock-levels-low-stock",
    ),
    re_path("", include(router.urls)),
]
