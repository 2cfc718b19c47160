"""Branch staff (docs/api.md §26): sellers' branch assignments, and the caller's own branches."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from auth_app.permissions import IsAdmin, IsAdminOrSeller
from inventory_app import selectors, services
from inventory_app.exceptions import AssignmentNotFound, BranchNotFound, InvalidAssignment, UserNotFound
from inventory_app.serializers import BranchAssignmentOutput, BranchOutput
from inventory_app.views.common import DELETED, ScopedViewSet
from natjoub.api.filters import PageFilterSet
from natjoub.api.views import no_body


class MineMeta(serializers.Serializer):
    total = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    total_pages = serializers.IntegerField()
    scoped = serializers.BooleanField(help_text="true when the caller is a scoped seller")


class PaginatedMineBranchList(serializers.Serializer):
    """The schema of ``branches/mine``: the list envelope whose ``meta`` adds ``scoped``."""

    success = serializers.BooleanField()
    data = BranchOutput(many=True)
    message = serializers.CharField()
    error = serializers.JSONField(allow_null=True)
    meta = MineMeta()


class MyBranchesViewSet(ScopedViewSet):
    """``branches/mine`` (admin, seller): the branches the caller may act on."""

    permission_map = {"mine": [IsAdminOrSeller]}
    serializer_class = BranchOutput

    @extend_schema(
        summary="The branches the caller may act on (meta.scoped: the caller is a scoped seller)",
        parameters=PageFilterSet.schema_parameters(),
        responses={200: PaginatedMineBranchList},
    )
    def mine(self, request):
        source, scoped = selectors.branches_mine(**self.list_filters(), scope=self.scope)
        response = self.list_response(source, BranchOutput, "Branches retrieved successfully")
        response.data["meta"]["scoped"] = scoped
        return response


class BranchStaffViewSet(ScopedViewSet):
    """``branches/{id}/staff[/{userId}]`` (admin): sellers' branch assignments."""

    permission_map = {"staff": [IsAdmin], "assign": [IsAdmin], "remove": [IsAdmin]}
    error_map = {
        "staff": (BranchNotFound,),
        "assign": (BranchNotFound, UserNotFound, InvalidAssignment),
        "remove": (AssignmentNotFound,),
    }
    uuid_kwargs = ("pk", "user_id")
    serializer_class = BranchAssignmentOutput

    @extend_schema(summary="Sellers assigned to a branch", responses=BranchAssignmentOutput(many=True))
    def staff(self, request, pk):
        source = selectors.branch_staff(**self.list_filters(), branch_id=pk)
        return self.list_response(source, BranchAssignmentOutput, "Branch staff retrieved successfully")

    @extend_schema(
        summary="Assign a seller to a branch (an existing assignment is returned unchanged)",
        request=None,
        responses=BranchAssignmentOutput,
    )
    @no_body
    def assign(self, request, pk, user_id):
        assignment, _ = services.assignment_create(branch_id=pk, user_id=user_id, created_by=request.user.pk)
        output = BranchAssignmentOutput(selectors.assignment_get(branch_id=pk, user_id=assignment.user_id))
        return self.respond(output.data, "Seller assigned to branch")

    @extend_schema(summary="Remove a seller from a branch", responses=DELETED)
    def remove(self, request, pk, user_id):
        services.assignment_delete(branch_id=pk, user_id=user_id, deleted_by=request.user.pk)
        return self.respond(None, "Seller removed from branch")
