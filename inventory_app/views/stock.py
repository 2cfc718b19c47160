"""The stock ledger: movements, stock levels and reservations (docs/api.md, "Stock")."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action

from inventory_app import query_params, selectors, services
from inventory_app.exceptions import (
    BranchNotFound,
    InsufficientStock,
    InvalidMovement,
    ItemNotFound,
    MovementNotFound,
    ReservationNotActive,
    ReservationNotFound,
)
from inventory_app.serializers import (
    MovementCreateInput,
    MovementOutput,
    ReservationCreateInput,
    ReservationOutput,
    StockLevelOutput,
)
from inventory_app.views.common import STAFF_ONLY, query_param
from natjoub.api.errors import IdempotencyKeyReused, Referenced
from natjoub.api.idempotency import idempotent
from natjoub.api.views import ApiViewSet, no_body


# -- movements --------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="List stock movements",
        parameters=[
            query_param("inventoryItemId", OpenApiTypes.UUID),
            query_param("branchId", OpenApiTypes.UUID, "Matches the FROM or the TO branch"),
            query_param("movementType", enum=["IN", "OUT", "TRANSFER", "ADJUSTMENT", "RETURN"]),
            query_param("referenceNumber", description="Exact match"),
            query_param("createdAfter", OpenApiTypes.DATETIME, "createdAt >= value"),
            query_param("createdBefore", OpenApiTypes.DATETIME, "createdAt < value"),
        ],
        responses=MovementOutput(many=True),
    ),
    create=extend_schema(
        summary="Record a stock movement", request=MovementCreateInput, responses={201: MovementOutput}
    ),
    retrieve=extend_schema(summary="Get a stock movement", responses=MovementOutput),
)
class MovementViewSet(ApiViewSet):
    permission_map = STAFF_ONLY
    error_map = {
        "create": (
            InvalidMovement,
            Referenced(ItemNotFound),
            Referenced(BranchNotFound),
            IdempotencyKeyReused,
            InsufficientStock,
        ),
        "retrieve": (MovementNotFound,),
    }
    serializer_class = MovementOutput

    def list(self, request):
        query = self.query()
        queryset = selectors.movement_list(**query_params.movement_filters(query))
        return self.list_response(queryset, MovementOutput, "Stock movements retrieved successfully", query)

    @idempotent(body=MovementCreateInput, output=MovementOutput)
    def create(self, request, data):
        movement = services.movement_create(**data, performed_by=request.user.pk)
        return self.respond(MovementOutput(movement).data, "Stock movement recorded successfully", 201)

    def retrieve(self, request, pk):
        return self.respond(MovementOutput(selectors.movement_get(pk)).data, "Stock movement retrieved successfully")


# -- stock levels -----------------------------------------------------------------------------
class StockLevelViewSet(ApiViewSet):
    permission_map = STAFF_ONLY
    error_map = {"by_branch": (BranchNotFound,)}
    serializer_class = StockLevelOutput

    @extend_schema(summary="Stock levels of a branch", responses=StockLevelOutput(many=True))
    def by_branch(self, request, branch_id):
        queryset = selectors.stock_levels_by_branch(branch_id=branch_id)
        return self.list_response(queryset, StockLevelOutput, "Stock levels retrieved successfully")

    @extend_schema(
        summary="Stock rows at or below their item's reorder level",
        parameters=[query_param("branchId", OpenApiTypes.UUID)],
        responses=StockLevelOutput(many=True),
    )
    def low_stock(self, request):
        query = self.query()
        queryset = selectors.low_stock_list(**query_params.low_stock_filters(query))
        return self.list_response(queryset, StockLevelOutput, "Low stock items retrieved successfully", query)


# -- reservations -----------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="List reservations",
        parameters=[
            query_param("status", description="Effective status", enum=["ACTIVE", "RELEASED", "COMMITTED", "EXPIRED"]),
            query_param("branchId", OpenApiTypes.UUID),
            query_param("inventoryItemId", OpenApiTypes.UUID),
        ],
        responses=ReservationOutput(many=True),
    ),
    create=extend_schema(summary="Reserve stock", request=ReservationCreateInput, responses={201: ReservationOutput}),
    retrieve=extend_schema(summary="Get a reservation", responses=ReservationOutput),
    release=extend_schema(summary="Release an active reservation", request=None, responses=ReservationOutput),
    commit=extend_schema(
        summary="Commit an active reservation (records an OUT movement)", request=None, responses=ReservationOutput
    ),
)
class ReservationViewSet(ApiViewSet):
    permission_map = STAFF_ONLY
    error_map = {
        "create": (Referenced(ItemNotFound), Referenced(BranchNotFound), IdempotencyKeyReused, InsufficientStock),
        "retrieve": (ReservationNotFound,),
        "release": (ReservationNotFound, ReservationNotActive),
        "commit": (ReservationNotFound, ReservationNotActive),
    }
    serializer_class = ReservationOutput

    def list(self, request):
        query = self.query()
        queryset = selectors.reservation_list(**query_params.reservation_filters(query))
        return self.list_response(queryset, ReservationOutput, "Reservations retrieved successfully", query)

    @idempotent(body=ReservationCreateInput, output=ReservationOutput)
    def create(self, request, data):
        reservation = services.reservation_create(**data, created_by=request.user.pk)
        return self.respond(ReservationOutput(reservation).data, "Reservation created successfully", 201)

    def retrieve(self, request, pk):
        return self.respond(ReservationOutput(selectors.reservation_get(pk)).data, "Reservation retrieved successfully")

    @action(detail=True, methods=["post"])
    @no_body
    def release(self, request, pk):
        reservation = services.reservation_release(reservation_id=pk)
        return self.respond(ReservationOutput(reservation).data, "Reservation released successfully")

    @action(detail=True, methods=["post"])
    @no_body
    def commit(self, request, pk):
        reservation = services.reservation_commit(reservation_id=pk, performed_by=request.user.pk)
        return self.respond(ReservationOutput(reservation).data, "Reservation committed successfully")
