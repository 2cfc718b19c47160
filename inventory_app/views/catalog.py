"""Branches, categories and items (docs/api.md, "Branches, categories, items")."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action

from inventory_app import query_params, selectors, services
from inventory_app.exceptions import (
    BranchExists,
    BranchInUse,
    BranchNotFound,
    CategoryCycle,
    CategoryExists,
    CategoryNotFound,
    ItemExists,
    ItemInUse,
    ItemNotFound,
    NoBranchAccess,
)
from inventory_app.serializers import (
    BranchCreateInput,
    BranchOutput,
    BranchUpdateInput,
    CategoryCreateInput,
    CategoryOutput,
    CategoryTreeNodeOutput,
    CategoryUpdateInput,
    ItemCreateInput,
    ItemOutput,
    ItemUpdateInput,
)
from inventory_app.views.common import DELETED, READ_ANY_WRITE_ADMIN, READ_ANY_WRITE_STAFF, query_param
from natjoub.api.errors import Referenced
from natjoub.api.views import ApiViewSet


# -- branches ---------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="List branches",
        parameters=[
            query_param("isActive", OpenApiTypes.BOOL),
            query_param("search", description="Case-insensitive substring of name, code or city"),
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
class BranchViewSet(ApiViewSet):
    permission_map = READ_ANY_WRITE_ADMIN
    error_map = {
        "create": (BranchExists,),
        "retrieve": (BranchNotFound,),
        "update": (BranchNotFound,),
        "destroy": (BranchNotFound, BranchInUse),
    }
    serializer_class = BranchOutput

    def list(self, request):
        query = self.query()
        queryset = selectors.branch_list(**query_params.branch_filters(query))
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
        services.branch_delete(branch_id=pk, deleted_by=request.user.pk)
        return self.respond(None, "Branch deleted successfully")


# -- categories -------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="List categories",
        parameters=[
            query_param("parentCategoryId", OpenApiTypes.UUID, "Direct children of this category"),
            query_param("rootOnly", OpenApiTypes.BOOL, "true: only categories without a parent"),
        ],
        responses=CategoryOutput(many=True),
    ),
    create=extend_schema(summary="Create a category", request=CategoryCreateInput, responses={201: CategoryOutput}),
    retrieve=extend_schema(summary="Get a category", responses=CategoryOutput),
    update=extend_schema(summary="Update a category", request=CategoryUpdateInput, responses=CategoryOutput),
    destroy=extend_schema(summary="Delete a category (children and items are detached)", responses=DELETED),
    tree=extend_schema(
        summary="Active category tree",
        responses={200: OpenApiResponse(response=CategoryTreeNodeOutput(many=True))},
    ),
)
class CategoryViewSet(ApiViewSet):
    permission_map = READ_ANY_WRITE_STAFF
    unpaginated_actions = ("tree",)
    error_map = {
        "create": (NoBranchAccess, Referenced(CategoryNotFound), CategoryExists),
        "retrieve": (CategoryNotFound,),
        "update": (NoBranchAccess, CategoryNotFound, Referenced(CategoryNotFound), CategoryCycle, CategoryExists),
        "destroy": (NoBranchAccess, CategoryNotFound),
    }
    serializer_class = CategoryOutput

    def list(self, request):
        query = self.query()
        queryset = selectors.category_list(**query_params.category_filters(query))
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
            query_param("categoryId", OpenApiTypes.UUID, "That category and all its descendants"),
            query_param("search", description="Case-insensitive substring of name, sku or barcode"),
            query_param("isActive", OpenApiTypes.BOOL),
            query_param(
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
class ItemViewSet(ApiViewSet):
    permission_map = READ_ANY_WRITE_STAFF
    error_map = {
        "create": (NoBranchAccess, Referenced(CategoryNotFound), ItemExists),
        "retrieve": (ItemNotFound,),
        "update": (NoBranchAccess, ItemNotFound, Referenced(CategoryNotFound)),
        "destroy": (NoBranchAccess, ItemNotFound, ItemInUse),
    }
    serializer_class = ItemOutput

    def list(self, request):
        query = self.query()
        filters = query_params.item_filters(query)
        queryset = selectors.item_list(**filters)
        total = selectors.item_list_total(**filters)
        return self.list_response(queryset, ItemOutput, "Inventory items retrieved successfully", query, total=total)

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
