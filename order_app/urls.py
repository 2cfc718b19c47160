"""Order API routes (included at ``/api/v1/`` before auth's, so the customer's bookings route is
this app's list), each with and without a trailing slash."""

from django.urls import re_path

from natjoub.api.routers import OptionalSlashRouter
from order_app import views

router = OptionalSlashRouter()
router.register("orders", views.OrderViewSet, basename="orders")

bookings = views.BookingViewSet.as_view({"get": "list"})

urlpatterns = [
    re_path(r"^customer/auth/bookings/?$", bookings, name="customer-bookings"),
    *router.urls,
]
