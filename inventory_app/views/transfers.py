"""Two-step transfers (docs/api.md §27) and stock alerts (§29a), scoped to the caller's branches."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action

from inventory_app import selectors, services
from inventory_app.exceptions import (
    BranchAccessDenied,
    BranchNotFound,
    InsufficientStock,
    InvalidMovement,
    ItemNotFound,
    SameBranch,
    StockAlertNotFound,
    TransferNotFound,
    TransferNotInTransit,
)
from inventory_app.filters import AlertFilterSet, TransferFilterSet
from inventory_app.serializers import StockAlertOutput, TransferCreateInput, TransferOutput, TransferReceiveInput
from inventory_app.views.common import STAFF_ONLY, ScopedViewSet
from natjoub.api.errors import IdempotencyKeyReused, Referenced
from natjoub.api.idempotency import idempotent
from natjoub.api.views import no_body


@extend_schema_view(
    list=extend_schema(
        summary="List transfers",
        responses=TransferOutput(many=True),
    ),
    create=extend_schema(
        summary="Dispatch a transfer (units leave the FROM branch and are in transit)",
        request=TransferCreateInput,
        responses={201: TransferOutput},
    ),
    retrieve=extend_schema(summary="Get a transfer", responses=TransferOutput),
    receive=extend_schema(
        summary="Receive a transfer at the TO branch (lines the body omits arrive in full)",
        request=TransferReceiveInput,
        responses=TransferOutput,
    ),
    cancel=extend_schema(
        summary="Cancel a transfer (every unit returns to the FROM branch)", request=None, responses=TransferOutput
    ),
)
class TransferViewSet(ScopedViewSet):
    permission_map = STAFF_ONLY
    error_map = {
        "create": (
            InvalidMovement,
            Referenced(BranchNotFound),
            BranchAccessDenied,
            Referenced(ItemNotFound),
            IdempotencyKeyReused,
            InsufficientStock,
        ),
        "retrieve": (TransferNotFound,),
        "receive": (TransferNotFound, BranchAccessDenied, TransferNotInTransit),
        "cancel": (TransferNotFound, BranchAccessDenied, TransferNotInTransit),
    }
    filterset_classes = {"list": TransferFilterSet}
    serializer_class = TransferOutput

    def list(self, request):
        source = selectors.transfer_list(**self.list_filters(), scope=self.scope)
        return self.list_response(source, TransferOutput, "Transfers retrieved successfully")

    def check_scope(self, request, data):
        """Before an Idempotency-Key is looked up: the checks of dispatch up to scoping, in order."""
        if self.has_key(request) and not self.scope.every:
            if data["from_branch_id"] == data["to_branch_id"]:
                raise SameBranch
            services.named_rows_check(
                self.scope,
                branches=[("from_branch_id", data["from_branch_id"]), ("to_branch_id", data["to_branch_id"])],
                scoped=("from_branch_id",),
            )

    @idempotent(body=TransferCreateInput, output=TransferOutput, guard="check_scope")
    def create(self, request, data):
        transfer = services.transfer_dispatch(**data, dispatched_by=request.user.pk, scope=self.scope)
        return self.respond(self.output(transfer), "Transfer dispatched", 201)

    def retrieve(self, request, pk):
        transfer = selectors.transfer_get(pk, scope=self.scope)
        return self.respond(TransferOutput(transfer).data, "Transfer retrieved successfully")

    @action(detail=True, methods=["post"])
    def receive(self, request, pk):
        data = self.validated(TransferReceiveInput)
        transfer = services.transfer_receive(
            transfer_id=pk, received_by=request.user.pk, lines=data.get("lines"), scope=self.scope
        )
        return self.respond(self.output(transfer), "Transfer received")

    @action(detail=True, methods=["post"])
    @no_body
    def cancel(self, request, pk):
        transfer = services.transfer_cancel(transfer_id=pk, cancelled_by=request.user.pk, scope=self.scope)
        return self.respond(self.output(transfer), "Transfer cancelled")

    @staticmethod
    def output(transfer) -> dict:
        """The transfer the service wrote, read back with its branches and lines."""
        return TransferOutput(selectors.transfer_get(transfer.pk)).data


@extend_schema_view(
    list=extend_schema(
        summary="List stock alerts",
        responses=StockAlertOutput(many=True),
    ),
    retrieve=extend_schema(summary="Get a stock alert", responses=StockAlertOutput),
)
class StockAlertViewSet(ScopedViewSet):
    permission_map = STAFF_ONLY
    error_map = {"list": (BranchAccessDenied,), "retrieve": (StockAlertNotFound,)}
    filterset_classes = {"list": AlertFilterSet}
    serializer_class = StockAlertOutput

    def list(self, request):
        source = selectors.alert_list(**self.list_filters(), scope=self.scope)
        return self.list_response(source, StockAlertOutput, "Stock alerts retrieved successfully")

    def retrieve(self, request, pk):
        alert = selectors.alert_get(pk, scope=self.scope)
        return self.respond(StockAlertOutput(alert).data, "Stock alert retrieved successfully")
