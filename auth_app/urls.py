"""Auth API routes (included at ``/api/v1/``), each with and without a trailing slash."""

from auth_app import views
from natjoub.api.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("auth", views.PublicAuthViewSet, basename="auth")
router.register("admin/auth/users", views.AdminUserViewSet, basename="admin-users")
router.register("admin/auth", views.AdminAuthViewSet, basename="admin-auth")
router.register("seller/auth", views.SellerAuthViewSet, basename="seller-auth")
router.register("customer/auth", views.CustomerAuthViewSet, basename="customer-auth")

urlpatterns = router.urls
