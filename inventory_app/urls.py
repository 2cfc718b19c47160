"""Inventory API routes under ``/api/v1/inventory/`` (with or without a trailing slash)."""

from django.urls import include, re_path

from inventory_app import views
from natjoub.api.routers import OptionalSlashRouter

# The busiest routes first: Django tries patterns in order (a movement POST went through ~20
# regex matches). Their prefixes are disjoint from every route below, so the order decides no route.
busiest = OptionalSlashRouter()
busiest.register("movements", views.MovementViewSet, basename="movement")
busiest.register("items", views.ItemViewSet, basename="item")

router = OptionalSlashRouter()
router.register("branches", views.BranchViewSet, basename="branch")
router.register("categories", views.CategoryViewSet, basename="category")  # categories/tree before {id}
router.register("reservations", views.ReservationViewSet, basename="reservation")
router.register("transfers", views.TransferViewSet, basename="transfer")
router.register("stock-alerts", views.StockAlertViewSet, basename="stock-alert")

urlpatterns = [
    re_path("", include(busiest.urls)),
    # the literal branches/mine takes precedence over branches/{id}
    re_path(r"^branches/mine/?$", views.MyBranchesViewSet.as_view({"get": "mine"}), name="branches-mine"),
    re_path(
        r"^branches/(?P<pk>[^/]+)/staff/?$",
        views.BranchStaffViewSet.as_view({"get": "staff"}),
        name="branch-staff",
    ),
    re_path(
        r"^branches/(?P<pk>[^/]+)/staff/(?P<user_id>[^/]+)/?$",
        views.BranchStaffViewSet.as_view({"put": "assign", "delete": "remove"}),
        name="branch-staff-member",
    ),
    re_path(r"^sellers/?$", views.SellerAccessViewSet.as_view({"get": "list"}), name="sellers"),
    re_path(
        r"^sellers/(?P<user_id>[^/]+)/access/?$",
        views.SellerAccessViewSet.as_view({"get": "retrieve"}),
        name="seller-access",
    ),
    re_path(
        r"^sellers/(?P<user_id>[^/]+)/access/all-branches/?$",
        views.SellerAccessViewSet.as_view({"put": "grant", "delete": "revoke"}),
        name="seller-access-all-branches",
    ),
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
