"""Order routes (docs/api.md §37): place, list, get, confirm, ready, fulfil, cancel, and the
customer's bookings (the same list). Thin: roles in ``permission_map``, rules in the services,
reads in the selectors."""

from __future__ import annotations

from functools import cached_property

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action

from auth_app.permissions import AnyRole, IsAdminOrSeller, IsCustomer
from inventory_app.services.holds import (
    BranchAccessDenied,
    BranchNotFound,
    InsufficientStock,
    ReservationNotActive,
    TransferItemNotFound,
)
from natjoub.api.errors import IdempotencyKeyReused, Referenced, ValidationFailed
from natjoub.api.fields import REQUIRED
from natjoub.api.idempotency import idempotent
from natjoub.api.output import render_one
from natjoub.api.views import ApiViewSet, no_body
from order_app import selectors, services
from order_app.exceptions import (
    AccountNotVerified,
    InvalidPickupCode,
    ItemNotAvailable,
    OrderNotFound,
    OrderStateConflict,
    TooManyOpenOrders,
)
from order_app.filters import OrderFilterSet
from order_app.models import CancelReason, OrderStatus
from order_app.serializers import (
    OrderCancelInput,
    OrderFulfilInput,
    OrderOutput,
    OrderPlaceInput,
    OrderSummaryOutput,
)

ACTION_ERRORS = (OrderNotFound, OrderStateConflict)


class OrderReads(ApiViewSet):
    filterset_classes = {"list": OrderFilterSet}

    @cached_property
    def viewer(self) -> selectors.Viewer:
        return selectors.Viewer.of_request(self.request)

    def order_response(self, order, message: str, status: int = 200):
        return self.respond(render_one(OrderOutput, selectors.decorate(order, self.viewer)), message, status)

    def orders_list(self, message: str):
        filters = self.list_filters()["filters"]  # a 400 of filters and paging comes before the 403
        if (
            filters.branch_id is not None
            and not self.viewer.is_customer
            and not self.viewer.access.allows(filters.branch_id)
        ):
            raise BranchAccessDenied(branch_id=filters.branch_id)
        due = selectors.due_ids(self.viewer)
        if due:  # released at the latest when read (docs/api.md §37.2)
            services.orders_expire(order_ids=due)
        return self.list_response(selectors.order_list(self.viewer, filters), OrderSummaryOutput, message)


@extend_schema_view(
    list=extend_schema(summary="List orders", responses=OrderSummaryOutput(many=True)),
    create=extend_schema(summary="Place an order (customer)", request=OrderPlaceInput, responses={201: OrderOutput}),
    retrieve=extend_schema(summary="Get an order", responses=OrderOutput),
    confirm=extend_schema(summary="Confirm a placed order", request=None, responses=OrderOutput),
    ready=extend_schema(summary="Mark a confirmed order ready for pickup", request=None, responses=OrderOutput),
    fulfil=extend_schema(
        summary="Hand an order over against its pickup code", request=OrderFulfilInput, responses=OrderOutput
    ),
    cancel=extend_schema(summary="Cancel an open order", request=OrderCancelInput, responses=OrderOutput),
)
class OrderViewSet(OrderReads):
    permission_map = {
        "list": [AnyRole],
        "retrieve": [AnyRole],
        "create": [IsCustomer],
        "confirm": [IsAdminOrSeller],
        "ready": [IsAdminOrSeller],
        "fulfil": [IsAdminOrSeller],
        "cancel": [AnyRole],
    }
    error_map = {
        "list": (BranchAccessDenied,),
        "create": (
            AccountNotVerified,
            TooManyOpenOrders,
            Referenced(BranchNotFound),
            Referenced(TransferItemNotFound),
            ItemNotAvailable,
            InsufficientStock,
            IdempotencyKeyReused,
        ),
        "retrieve": (OrderNotFound,),
        "confirm": ACTION_ERRORS,
        "ready": ACTION_ERRORS,
        "fulfil": (*ACTION_ERRORS, InvalidPickupCode, ReservationNotActive),
        "cancel": ACTION_ERRORS,
    }
    serializer_class = OrderOutput

    def list(self, request):
        return self.orders_list("Orders retrieved successfully")

    @idempotent(body=OrderPlaceInput, output=OrderOutput)
    def create(self, request, data):
        order = services.order_place(customer_id=request.user.pk, **data)
        return self.order_response(order, "Order placed", 201)

    def retrieve(self, request, pk):
        order = selectors.order_get(pk, self.viewer)
        if order.effective_status == OrderStatus.EXPIRED and order.status != OrderStatus.EXPIRED:
            services.orders_expire(order_ids=[order.pk])  # released at the latest when read
            order = selectors.order_get(pk, self.viewer)
        return self.order_response(order, "Order retrieved successfully")

    @action(detail=True, methods=["post"])
    @no_body
    def confirm(self, request, pk):
        return self.order_response(services.order_confirm(order_id=pk, viewer=self.viewer), "Order confirmed")

    @action(detail=True, methods=["post"])
    @no_body
    def ready(self, request, pk):
        return self.order_response(services.order_ready(order_id=pk, viewer=self.viewer), "Order ready for pickup")

    @action(detail=True, methods=["post"])
    def fulfil(self, request, pk):
        data = self.validated(OrderFulfilInput)
        order = services.order_fulfil(order_id=pk, viewer=self.viewer, **data)
        return self.order_response(order, "Order fulfilled")

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk):
        if self.viewer.is_customer:
            reason = CancelReason.CUSTOMER  # whatever the body says (docs/api.md §37.7)
        else:
            reason = self.validated(OrderCancelInput).get("reason")
            if reason is None:
                raise ValidationFailed({"reason": REQUIRED})
        order = services.order_cancel(order_id=pk, viewer=self.viewer, reason=reason)
        return self.order_response(order, "Order cancelled")


@extend_schema(tags=["customer auth"])
class BookingViewSet(OrderReads):
    """``GET /api/v1/customer/auth/bookings`` (docs/api.md §37.4): the customer's orders, exactly
    as ``GET /api/v1/orders`` answers them to that customer."""

    permission_map = {"list": [IsCustomer]}
    serializer_class = OrderSummaryOutput

    @extend_schema(summary="The customer's orders", responses=OrderSummaryOutput(many=True))
    def list(self, request):
        return self.orders_list("Bookings retrieved successfully")
