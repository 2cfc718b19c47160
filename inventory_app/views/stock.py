"""The stock ledger: movements, stock levels and reservations (docs/api.md §12–§15), scoped to the
caller's branches (§26): every selector and service gets ``self.scope``."""

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
    MovementNotFound,
    ReservationNotActive,
    ReservationNotFound,
)
from inventory_app.filters import LowStockFilterSet, MovementFilterSet, ReservationFilterSet
from inventory_app.scoping import BranchAccess
from inventory_app.serializers import (
    MovementCreateInput,
    MovementOutput,
    ReservationCreateInput,
    ReservationOutput,
    StockLevelOutput,
)
from inventory_app.views.common import STAFF_ONLY, ScopedViewSet
from natjoub.api.errors import IdempotencyKeyReused, Referenced
from natjoub.api.idempotency import idempotent
from natjoub.api.output import render_one
from natjoub.api.views import no_body

# -- movements --------------------------------------------------------------------------------
_BALANCES = (  # (branch id key, balance key), as rendered: pages camelCase, single rows snake_case
    ("fromBranchId", "fromBalanceAfter"),
    ("toBranchId", "toBalanceAfter"),
    ("from_branch_id", "from_balance_after"),
    ("to_branch_id", "to_balance_after"),
)


def hide_foreign_balances(rows: list[dict], scope: BranchAccess) -> list[dict]:
    """A seller never sees the balance of a branch outside its access (docs/api.md §35, §8 row):
    ``fromBalanceAfter`` / ``toBalanceAfter`` become null. The stored response of an idempotent
    create is the masked one, and its replay re-checks access first."""
    if scope.every:
        return rows
    allowed = {str(branch_id) for branch_id in scope.branch_ids}
    for row in rows:
        for branch_key, balance_key in _BALANCES:
            if balance_key in row and row.get(branch_key) is not None and str(row[branch_key]) not in allowed:
                row[balance_key] = None
    return rows


@extend_schema_view(
    list=extend_schema(
        summary="List stock movements",
        responses=MovementOutput(many=True),
    ),
    create=extend_schema(
        summary="Record a stock movement", request=MovementCreateInput, responses={201: MovementOutput}
    ),
    retrieve=extend_schema(summary="Get a stock movement", responses=MovementOutput),
)
class MovementViewSet(ScopedViewSet):
    permission_map = STAFF_ONLY
    error_map = {
        "create": (
            InvalidMovement,
            Referenced(ItemNotFound),
            Referenced(BranchNotFound),
            BranchAccessDenied,
            IdempotencyKeyReused,
            InsufficientStock,
        ),
        "retrieve": (MovementNotFound,),
    }
    filterset_classes = {"list": MovementFilterSet}
    serializer_class = MovementOutput

    def list(self, request):
        source = selectors.movement_list(**self.list_filters(), scope=self.scope)
        response = self.list_response(source, MovementOutput, "Stock movements retrieved successfully")
        hide_foreign_balances(response.data["data"], self.scope)
        return response

    def check_scope(self, request, data):
        """Before an Idempotency-Key is looked up: the checks of §12 up to scoping, in order."""
        if self.has_key(request) and not self.scope.every:
            from_id, to_id = data.get("from_branch_id"), data.get("to_branch_id")
            services.movement_effect(data["movement_type"], from_id, to_id)
            services.named_rows_check(
                self.scope,
                inventory_item_id=data["inventory_item_id"],
                branches=[("from_branch_id", from_id), ("to_branch_id", to_id)],
            )

    @idempotent(body=MovementCreateInput, output=MovementOutput, guard="check_scope")
    def create(self, request, data):
        movement = services.movement_create(**data, performed_by=request.user.pk, scope=self.scope)
        output = hide_foreign_balances([render_one(MovementOutput, movement)], self.scope)[0]
        return self.respond(output, "Stock movement recorded successfully", 201)

    def retrieve(self, request, pk):
        movement = selectors.movement_get(pk, scope=self.scope)
        output = hide_foreign_balances([render_one(MovementOutput, movement)], self.scope)[0]
        return self.respond(output, "Stock movement retrieved successfully")


# -- stock levels -----------------------------------------------------------------------------
class StockLevelViewSet(ScopedViewSet):
    permission_map = STAFF_ONLY
    error_map = {"by_branch": (BranchNotFound, BranchAccessDenied), "low_stock": (BranchAccessDenied,)}
    filterset_classes = {"low_stock": LowStockFilterSet}
    serializer_class = StockLevelOutput

    @extend_schema(summary="Stock levels of a branch", responses=StockLevelOutput(many=True))
    def by_branch(self, request, branch_id):
        source = selectors.stock_levels_by_branch(**self.list_filters(), branch_id=branch_id, scope=self.scope)
        return self.list_response(source, StockLevelOutput, "Stock levels retrieved successfully")

    @extend_schema(summary="Stock rows at or below their item's reorder level", responses=StockLevelOutput(many=True))
    def low_stock(self, request):
        source = selectors.low_stock_page(**self.list_filters(), scope=self.scope)
        return self.list_response(source, StockLevelOutput, "Low stock items retrieved successfully")


# -- reservations -----------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="List reservations",
        responses=ReservationOutput(many=True),
    ),
    create=extend_schema(summary="Reserve stock", request=ReservationCreateInput, responses={201: ReservationOutput}),
    retrieve=extend_schema(summary="Get a reservation", responses=ReservationOutput),
    release=extend_schema(summary="Release an active reservation", request=None, responses=ReservationOutput),
    commit=extend_schema(
        summary="Commit an active reservation (records an OUT movement)", request=None, responses=ReservationOutput
    ),
)
class ReservationViewSet(ScopedViewSet):
    permission_map = STAFF_ONLY
    error_map = {
        "create": (
            Referenced(ItemNotFound),
            Referenced(BranchNotFound),
            BranchAccessDenied,
            IdempotencyKeyReused,
            InsufficientStock,
        ),
        "retrieve": (ReservationNotFound,),
        "release": (ReservationNotFound, ReservationNotActive),
        "commit": (ReservationNotFound, ReservationNotActive),
    }
    filterset_classes = {"list": ReservationFilterSet}
    serializer_class = ReservationOutput

    def list(self, request):
        source = selectors.reservation_list(**self.list_filters(), scope=self.scope)
        return self.list_response(source, ReservationOutput, "Reservations retrieved successfully")

    def check_scope(self, request, data):
        """Before an Idempotency-Key is looked up: item, branch, then the caller's assignment."""
        if self.has_key(request) and not self.scope.every:
            services.named_rows_check(
                self.scope, inventory_item_id=data["inventory_item_id"], branches=[("branch_id", data["branch_id"])]
            )

    @idempotent(body=ReservationCreateInput, output=ReservationOutput, guard="check_scope")
    def create(self, request, data):
        reservation = services.reservation_create(**data, created_by=request.user.pk, scope=self.scope)
        return self.respond(ReservationOutput(reservation).data, "Reservation created successfully", 201)

    def retrieve(self, request, pk):
        reservation = selectors.reservation_get(pk, scope=self.scope)
        return self.respond(ReservationOutput(reservation).data, "Reservation retrieved successfully")

    @action(detail=True, methods=["post"])
    @no_body
    def release(self, request, pk):
        reservation = services.reservation_release(reservation_id=pk, scope=self.scope)
        return self.respond(ReservationOutput(reservation).data, "Reservation released successfully")

    @action(detail=True, methods=["post"])
    @no_body
    def commit(self, request, pk):
        reservation = services.reservation_commit(reservation_id=pk, performed_by=request.user.pk, scope=self.scope)
        return self.respond(ReservationOutput(reservation).data, "Reservation committed successfully")
