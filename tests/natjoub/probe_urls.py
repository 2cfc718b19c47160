"""Test-only routes that exercise the API core (envelope, parsing, fields, pagination, errors)."""

from django.urls import include, path, re_path
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from natjoub.api import fields
from natjoub.api.routers import OptionalSlashRouter
from natjoub.api.views import ApiViewSet, no_body
from natjoub.urls import urlpatterns as project_urlpatterns


class ProbeInput(fields.InputSerializer):
    name = fields.Text(max_length=5)
    count = fields.Integer(min_value=1, range_message="Must be greater than 0", required=False)
    price = fields.Money(required=False)
    flag = fields.Boolean(required=False)
    ref = fields.UUIDValue(required=False)


class ProbeViewSet(ApiViewSet):
    permission_classes = [AllowAny]
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


router = OptionalSlashRouter()
router.register("api/v1/probe", ProbeViewSet, basename="probe")

urlpatterns = [re_path("", include(router.urls)), *project_urlpatterns]
__all__ = ["path", "urlpatterns"]
