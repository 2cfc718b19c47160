"""Branches, categories and items (docs/api.md, "Branches, categories, items")."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action

from inventory_app import selectors, services
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
from inventory_app.filters import BranchFilterSet, CategoryFilterSet, ItemFilterSet
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
from inventory_app.views.common import DELETED, READ_ANY_WRITE_ADMIN, READ_ANY_WRITE_STAFF
from natjoub.api.errors import Referenced
from natjoub.api.views import ApiViewSet


# -- branches ---------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="List branches",
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
    filterset_classes = {"list": BranchFilterSet}
    serializer_class = BranchOutput

    def list(self, request):
        source = selectors.branch_list(**self.list_filters())
        return self.list_response(source, BranchOutput, "Branches retrieved successfully")

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
    filterset_classes = {"list": CategoryFilterSet}
    serializer_class = CategoryOutput

    def list(self, request):
        source = selectors.category_list(**self.list_filters())
        return self.list_response(source, CategoryOutput, "Categories retrieved successfully")

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
    filterset_classes = {"list": ItemFilterSet}
    serializer_class = ItemOutput

    def list(self, request):
        source = selectors.item_list(**self.list_filters())
        return self.list_response(source, ItemOutput, "Inventory items retrieved successfully")

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
