"""Inventory API (contract §8–§15): thin viewsets over selectors and services."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action

from auth_app.permissions import AnyRole, IsAdmin, IsAdminOrSeller
from inventory_app import filters, idempotency, selectors, services
from inventory_app.serializers import (
    BranchCreateInput,
    BranchOutput,
    BranchUpdateInput,
    CategoryCreateInput,
    CategoryOutput,
    CategoryUpdateInput,
    ItemCreateInput,
    ItemOutput,
    ItemUpdateInput,
    MovementCreateInput,
    MovementOutput,
    ReservationCreateInput,
    ReservationOutput,
    StockLevelOutput,
)
from natjoub.api.envelope import success
from natjoub.api.errors import ValidationFailed
from natjoub.api.exceptions import first_messages
from natjoub.api.views import ApiViewSet, no_body

READ_ANY_WRITE_ADMIN = {
    "list": [AnyRole],
    "retrieve": [AnyRole],
    "create": [IsAdmin],
    "update": [IsAdmin],
    "destroy": [IsAdmin],
}
READ_ANY_WRITE_STAFF = {
    "list": [AnyRole],
    "retrieve": [AnyRole],
    "tree": [AnyRole],
    "create": [IsAdminOrSeller],
    "update": [IsAdminOrSeller],
    "destroy": [IsAdminOrSeller],
}
STAFF_ONLY = {"*": [IsAdminOrSeller]}
DELETED = {200: OpenApiResponse(description="Deleted; `data` is null")}


def _param(name: str, kind=OpenApiTypes.STR, description: str = "", enum=None) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=False, description=description, enum=enum)


IDEMPOTENCY_HEADER = OpenApiParameter(
    idempotency.HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="1-255 printable ASCII characters; a retry with the same key and body replays the first response",
)


class InventoryViewSet(ApiViewSet):
    def validated(self, serializer_class, extra_errors: dict[str, str] | None = None) -> dict:
        """Field validation, reported together with the caller's header errors."""
        serializer = serializer_class(data=self.request.data)
        errors = {} if serializer.is_valid() else first_messages(serializer.errors)
        errors.update(extra_errors or {})
        if errors:
            raise ValidationFailed(errors)
        return dict(serializer.validated_data)


# -- branches ---------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="List branches",
        parameters=[
            _param("isActive", OpenApiTypes.BOOL),
            _param("search", description="Case-insensitive substring of name, code or city"),
        ],
        responses=BranchOutput(many=True),
    ),
    create=extend_schema(summary="Create a branch", request=BranchCreateInput, responses={201: BranchOutput}),
    retrieve=extend_schema(summary="Get a branch", responses=BranchOutput),
    update=extend_schema(
        summary="Update a branch (code is immutable)", request=BranchUpdateInput, responses=BranchOutput
    ),
    destroy=extend_schema(summary="Delete an unused branch", responses=DELETED),
)
class BranchViewSet(InventoryViewSet):
    permission_map = READ_ANY_WRITE_ADMIN
    serializer_class = BranchOutput

    def list(self, request):
        query = self.query()
        queryset = selectors.branch_list(**filters.branch_filters(query))
        return self.list_response(queryset, BranchOutput, "Branches retrieved successfully", query)

    def create(self, request):
        branch = services.branch_create(**self.validated(BranchCreateInput))
        return self.respond(BranchOutput(branch).data, "Branch created successfully", 201)

    def retrieve(self, request, pk):
        return self.respond(BranchOutput(selectors.branch_get(pk)).data, "Branch retrieved successfully")

    def update(self, request, pk):
        branch = services.branch_update(branch_id=pk, changes=self.validated(BranchUpdateInput))
        return self.respond(BranchOutput(branch).data, "Branch updated successfully")

    def destroy(self, request, pk):
        services.branch_delete(branch_id=pk)
        return self.respond(None, "Branch deleted successfully")


# -- categories -------------------------------------------------------------------------------
TREE_NODE_SCHEMA = {
    "type": "object",
    "required": ["id", "name", "children"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "children": {"type": "array", "items": {"type": "object", "description": "CategoryTreeNode (recursive)"}},
    },
}


@extend_schema_view(
    list=extend_schema(
        summary="List categories",
        parameters=[
            _param("parentCategoryId", OpenApiTypes.UUID, "Direct children of this category"),
            _param("rootOnly", OpenApiTypes.BOOL, "true: only categories without a parent"),
        ],
        responses=CategoryOutput(many=True),
    ),
    create=extend_schema(summary="Create a category", request=CategoryCreateInput, responses={201: CategoryOutput}),
    retrieve=extend_schema(summary="Get a category", responses=CategoryOutput),
    update=extend_schema(summary="Update a category", request=CategoryUpdateInput, responses=CategoryOutput),
    destroy=extend_schema(summary="Delete a category (children and items are detached)", responses=DELETED),
    tree=extend_schema(
        summary="Active category tree",
        responses={200: OpenApiResponse(response={"type": "array", "items": TREE_NODE_SCHEMA})},
    ),
)
class CategoryViewSet(InventoryViewSet):
    permission_map = READ_ANY_WRITE_STAFF
    serializer_class = CategoryOutput

    def list(self, request):
        query = self.query()
        queryset = selectors.category_list(**filters.category_filters(query))
        return self.list_response(queryset, CategoryOutput, "Categories retrieved successfully", query)

    @action(detail=False, methods=["get"], url_path="tree")
    def tree(self, request):
        return self.respond(selectors.category_tree(), "Category tree retrieved successfully")

    def create(self, request):
        category = services.category_create(**self.validated(CategoryCreateInput))
        return self.respond(CategoryOutput(category).data, "Category created successfully", 201)

    def retrieve(self, request, pk):
        return self.respond(CategoryOutput(selectors.category_get(pk)).data, "Category retrieved successfully")

    def update(self, request, pk):
        category = services.category_update(category_id=pk, changes=self.validated(CategoryUpdateInput))
        return self.respond(CategoryOutput(category).data, "Category updated successfully")

    def destroy(self, request, pk):
        services.category_delete(category_id=pk)
        return self.respond(None, "Category deleted successfully")


# -- items ------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="List inventory items",
        parameters=[
            _param("categoryId", OpenApiTypes.UUID, "That category and all its descendants"),
            _param("search", description="Case-insensitive substring of name, sku or barcode"),
            _param("isActive", OpenApiTypes.BOOL),
            _param(
                "ordering",
                description="name, sku, unitPrice or createdAt; prefix - for descending (default name)",
                enum=["name", "-name", "sku", "-sku", "unitPrice", "-unitPrice", "createdAt", "-createdAt"],
            ),
        ],
        responses=ItemOutput(many=True),
    ),
    create=extend_schema(summary="Create an inventory item", request=ItemCreateInput, responses={201: ItemOutput}),
    retrieve=extend_schema(summary="Get an inventory item", responses=ItemOutput),
    update=extend_schema(
        summary="Update an inventory item (sku is immutable)", request=ItemUpdateInput, responses=ItemOutput
    ),
    destroy=extend_schema(summary="Delete an unused inventory item", responses=DELETED),
)
class ItemViewSet(InventoryViewSet):
    permission_map = READ_ANY_WRITE_STAFF
    serializer_class = ItemOutput

    def list(self, request):
        query = self.query()
        queryset = selectors.item_list(**filters.item_filters(query))
        return self.list_response(queryset, ItemOutput, "Inventory items retrieved successfully", query)

    def create(self, request):
        item = services.item_create(**self.validated(ItemCreateInput))
        return self.respond(ItemOutput(selectors.item_get(item.pk)).data, "Inventory item created successfully", 201)

    def retrieve(self, request, pk):
        return self.respond(ItemOutput(selectors.item_get(pk)).data, "Inventory item retrieved successfully")

    def update(self, request, pk):
        item = services.item_update(item_id=pk, changes=self.validated(ItemUpdateInput))
        return self.respond(ItemOutput(selectors.item_get(item.pk)).data, "Inventory item updated successfully")

    def destroy(self, request, pk):
        services.item_delete(item_id=pk)
        return self.respond(None, "Inventory item deleted successfully")


# -- movements --------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="List stock movements",
        parameters=[
            _param("inventoryItemId", OpenApiTypes.UUID),
            _param("branchId", OpenApiTypes.UUID, "Matches the FROM or the TO branch"),
            _param("movementType", enum=["IN", "OUT", "TRANSFER", "ADJUSTMENT", "RETURN"]),
            _param("referenceNumber", description="Exact match"),
            _param("createdAfter", OpenApiTypes.DATETIME, "createdAt >= value"),
            _param("createdBefore", OpenApiTypes.DATETIME, "createdAt < value"),
        ],
        responses=MovementOutput(many=True),
    ),
    create=extend_schema(
        summary="Record a stock movement",
        parameters=[IDEMPOTENCY_HEADER],
        request=MovementCreateInput,
        responses={201: MovementOutput},
    ),
    retrieve=extend_schema(summary="Get a stock movement", responses=MovementOutput),
)
class MovementViewSet(InventoryViewSet):
    permission_map = STAFF_ONLY
    serializer_class = MovementOutput

    def list(self, request):
        query = self.query()
        queryset = selectors.movement_list(**filters.movement_filters(query))
        return self.list_response(queryset, MovementOutput, "Stock movements retrieved successfully", query)

    def create(self, request):
        errors: dict[str, str] = {}
        key = idempotency.read_key(request, errors)
        data = self.validated(MovementCreateInput, errors)

        def effect():
            movement = services.movement_create(**data, performed_by=request.user.pk)
            return 201, success(MovementOutput(movement).data, "Stock movement recorded successfully")

        return idempotency.respond(request, key, effect, MovementOutput)

    def retrieve(self, request, pk):
        return self.respond(MovementOutput(selectors.movement_get(pk)).data, "Stock movement retrieved successfully")


# -- stock levels -----------------------------------------------------------------------------
class StockLevelViewSet(InventoryViewSet):
    permission_map = STAFF_ONLY
    serializer_class = StockLevelOutput

    @extend_schema(summary="Stock levels of a branch", responses=StockLevelOutput(many=True))
    def by_branch(self, request, branch_id):
        queryset = selectors.stock_levels_by_branch(branch_id=branch_id)
        return self.list_response(queryset, StockLevelOutput, "Stock levels retrieved successfully")

    @extend_schema(
        summary="Stock rows at or below their item's reorder level",
        parameters=[_param("branchId", OpenApiTypes.UUID)],
        responses=StockLevelOutput(many=True),
    )
    def low_stock(self, request):
        query = self.query()
        queryset = selectors.low_stock_list(**filters.low_stock_filters(query))
        return self.list_response(queryset, StockLevelOutput, "Low stock items retrieved successfully", query)


# -- reservations -----------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="List reservations",
        parameters=[
            _param("status", description="Effective status", enum=["ACTIVE", "RELEASED", "COMMITTED", "EXPIRED"]),
            _param("branchId", OpenApiTypes.UUID),
            _param("inventoryItemId", OpenApiTypes.UUID),
        ],
        responses=ReservationOutput(many=True),
    ),
    create=extend_schema(
        summary="Reserve stock",
        parameters=[IDEMPOTENCY_HEADER],
        request=ReservationCreateInput,
        responses={201: ReservationOutput},
    ),
    retrieve=extend_schema(summary="Get a reservation", responses=ReservationOutput),
    release=extend_schema(summary="Release an active reservation", request=None, responses=ReservationOutput),
    commit=extend_schema(
        summary="Commit an active reservation (records an OUT movement)", request=None, responses=ReservationOutput
    ),
)
class ReservationViewSet(InventoryViewSet):
    permission_map = STAFF_ONLY
    serializer_class = ReservationOutput

    def list(self, request):
        query = self.query()
        queryset = selectors.reservation_list(**filters.reservation_filters(query))
        return self.list_response(queryset, ReservationOutput, "Reservations retrieved successfully", query)

    def create(self, request):
        errors: dict[str, str] = {}
        key = idempotency.read_key(request, errors)
        data = self.validated(ReservationCreateInput, errors)

        def effect():
            reservation = services.reservation_create(**data, created_by=request.user.pk)
            return 201, success(ReservationOutput(reservation).data, "Reservation created successfully")

        return idempotency.respond(request, key, effect, ReservationOutput)

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
