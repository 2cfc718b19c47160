from django.http import HttpResponse
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from bench.peer.shop import views

router = DefaultRouter()
router.register("items", views.ItemViewSet, basename="item")
router.register("movements", views.MovementViewSet, basename="movement")


def live(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("health/live", live),  # the benchmark harness waits for it
    path("api/profile/", views.ProfileView.as_view()),
    path("api/", include(router.urls)),
]
