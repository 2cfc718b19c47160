"""A test-only root URLconf: the project's routes plus the sample service's (before the catch-all).
In the project an app adds one ``path(…, include(…))`` line to natjoub/urls.py instead."""

from django.urls import include, path

from natjoub.api.routers import OptionalSlashRouter
from natjoub.urls import urlpatterns as project_urlpatterns
from tests.sample_service.views import NoteViewSet

router = OptionalSlashRouter()
router.register("notes", NoteViewSet, basename="sample-note")

urlpatterns = [path("api/v1/sample/", include(router.urls)), *project_urlpatterns]
