"""Sellers' access (docs/api.md §36, admin only): the sellers with their access, one seller's
access, and its all-branches grant (PUT grants, idempotent; DELETE removes)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from auth_app.permissions import IsAdmin
from inventory_app import services
from inventory_app.exceptions import GrantNotFound, InvalidAssignment, UserNotFound
from inventory_app.filters import SellerAccessFilterSet
from inventory_app.selectors import access
from inventory_app.serializers import SellerAccessOutput
from natjoub.api.views import ApiViewSet, no_body


class SellerAccessViewSet(ApiViewSet):
    permission_map = {"list": [IsAdmin], "retrieve": [IsAdmin], "grant": [IsAdmin], "revoke": [IsAdmin]}
    error_map = {
        "retrieve": (UserNotFound, InvalidAssignment),
        "grant": (UserNotFound, InvalidAssignment),
        "revoke": (UserNotFound, InvalidAssignment, GrantNotFound),
    }
    uuid_kwargs = ("user_id",)
    filterset_classes = {"list": SellerAccessFilterSet}
    serializer_class = SellerAccessOutput

    @extend_schema(
        summary="Sellers with their access (pendingAccess=true: those with no branch)",
        responses=SellerAccessOutput(many=True),
    )
    def list(self, request):
        rows = access.seller_access_list(**self.list_filters())
        return self.list_response(rows, SellerAccessOutput, "Sellers retrieved successfully")

    @extend_schema(summary="A seller's access", responses=SellerAccessOutput)
    def retrieve(self, request, user_id):
        output = SellerAccessOutput(access.seller_access_get(user_id))
        return self.respond(output.data, "Seller access retrieved successfully")

    @extend_schema(summary="Grant a seller every branch (idempotent)", request=None, responses=SellerAccessOutput)
    @no_body
    def grant(self, request, user_id):
        services.grant_create(user_id=user_id, granted_by=request.user.pk)
        output = SellerAccessOutput(access.seller_access_get(user_id))
        return self.respond(output.data, "Seller granted access to every branch")

    @extend_schema(summary="Remove a seller's all-branches grant", responses=SellerAccessOutput)
    def revoke(self, request, user_id):
        services.grant_delete(user_id=user_id, deleted_by=request.user.pk)
        output = SellerAccessOutput(access.seller_access_get(user_id))
        return self.respond(output.data, "Seller access to every branch removed")
