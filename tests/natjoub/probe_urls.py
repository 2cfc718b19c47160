"""Test-only routes that exercise the API core (envelope, parsing, fields, pagination, errors)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.urls import include, path, re_path
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from auth_app.permissions import IsAdmin
from natjoub.api import fields
from natjoub.api.routers import OptionalSlashRouter
from natjoub.api.views import ApiViewSet, no_body
from natjoub.urls import handler400, handler403, handler404, handler500  # noqa: F401 - this is ROOT_URLCONF
from natjoub.urls import urlpatterns as project_urlpatterns


class ProbeInput(fields.InputSerializer):
    name = fields.Text(max_length=5)
    count = fields.Integer(min_value=1, range_message="Must be greater than 0", required=False)
    price = fields.Money(required=False)
    flag = fields.Boolean(required=False)
    ref = fields.UUIDValue(required=False)


class ProbeViewSet(ApiViewSet):
    permission_map = {"*": [AllowAny]}
    authentication_classes: list = []

    def list(self, request):
        rows = [{"row_number": n} for n in range(7)]
        return self.list_response(rows, _Rows, "Rows retrieved successfully")

    def create(self, request):
        serializer = ProbeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: str(v) for k, v in serializer.validated_data.items()}
        return self.respond({"echo_back": data}, "Echoed", status=201)

    def retrieve(self, request, pk):
        return self.respond({"id": str(pk)}, "Found")

    def destroy(self, request, pk):
        raise RuntimeError("secret internals must not leak")

    @no_body
    def partial_update(self, request, pk):
        return self.respond(None, "No body read")


class _Rows(serializers.Serializer):
    row_number = serializers.IntegerField()


class PartlyDeclaredViewSet(ApiViewSet):
    """``retrieve`` is not in the permission map: it must be denied, even to an authenticated caller."""

    permission_map = {"list": [AllowAny]}

    def list(self, request):
        return self.list_response([], _Rows, "Rows retrieved successfully")

    def retrieve(self, request, pk):
        return self.respond({"id": str(pk)}, "Found")


class AdminListViewSet(ApiViewSet):
    """Only ``list``, for admins: OPTIONS must not fall back to "any authenticated caller"."""

    permission_map = {"list": [IsAdmin]}

    def list(self, request):
        return self.list_response([], _Rows, "Rows retrieved successfully")


def _plain_view_raising(exc):
    """A plain Django view (no DRF) that fails, for the handler400/403/404/500 wiring."""

    def view(request):
        raise exc

    return view


router = OptionalSlashRouter()
router.register("api/v1/probe", ProbeViewSet, basename="probe")
router.register("api/v1/partly-declared", PartlyDeclaredViewSet, basename="partly-declared")
router.register("api/v1/admin-list", AdminListViewSet, basename="admin-list")

urlpatterns = [
    path("api/v1/plain/404", _plain_view_raising(Http404("gone"))),
    path("api/v1/plain/403", _plain_view_raising(PermissionDenied("no"))),
    path("api/v1/plain/400", _plain_view_raising(SuspiciousOperation("odd"))),
    path("api/v1/plain/500", _plain_view_raising(RuntimeError("secret internals"))),
    re_path("", include(router.urls)),
    *project_urlpatterns,
]
__all__ = ["path", "urlpatterns"]
