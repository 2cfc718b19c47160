"""Orders for pickup at a branch (docs/api.md §37.1), in ``order_schema``.

No foreign key leaves the schema: the customer, the branch and the items are referenced by id and
what the order must keep (names, codes, prices) is copied onto it when it is placed. The stock an
open order holds is a reservation per line in the inventory (``reservation_id``), reached only
through ``inventory_app.services.holds``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from natjoub.db.models import TimestampedModel, UUIDModel

NUMBER_SEQUENCE = '"order_schema"."order_number_seq"'


class OrderStatus(models.TextChoices):
    PLACED = "PLACED", "Placed"
    CONFIRMED = "CONFIRMED", "Confirmed"
    READY = "READY", "Ready"
    FULFILLED = "FULFILLED", "Fulfilled"
    CANCELLED = "CANCELLED", "Cancelled"
    EXPIRED = "EXPIRED", "Expired"


OPEN_STATUSES = (OrderStatus.PLACED, OrderStatus.CONFIRMED, OrderStatus.READY)


class CancelReason(models.TextChoices):
    CUSTOMER = "CUSTOMER", "Customer"
    OUT_OF_STOCK = "OUT_OF_STOCK", "Out of stock"
    NOT_COLLECTED = "NOT_COLLECTED", "Not collected"
    STAFF = "STAFF", "Staff"
    OTHER = "OTHER", "Other"


class Order(TimestampedModel):
    number = models.CharField(max_length=20, unique=True)
    customer_id = models.UUIDField()
    customer_name = models.CharField(max_length=255)
    customer_email = models.CharField(max_length=255)
    branch_id = models.UUIDField()
    branch_code = models.CharField(max_length=50)
    branch_name = models.CharField(max_length=255)
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PLACED)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    notes = models.TextField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=20, choices=CancelReason.choices, null=True, blank=True)
    pickup_code = models.CharField(max_length=6)
    expires_at = models.DateTimeField(null=True, blank=True)
    placed_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = '"order_schema"."orders"'
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["customer_id", "-placed_at", "-id"], name="orders_customer_placed_idx"),
            models.Index(fields=["branch_id", "-placed_at", "-id"], name="orders_branch_placed_idx"),
            models.Index(fields=["-placed_at", "-id"], name="orders_placed_idx"),
            models.Index(
                fields=["expires_at"],
                name="orders_open_deadline_idx",
                condition=Q(status__in=["PLACED", "CONFIRMED", "READY"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="orders_status_valid"),
            models.CheckConstraint(
                condition=Q(cancel_reason__isnull=True) | Q(cancel_reason__in=CancelReason.values),
                name="orders_cancel_reason_valid",
            ),
            models.CheckConstraint(condition=Q(subtotal__gte=0) & Q(total__gte=0), name="orders_amounts_non_negative"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(UUIDModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    inventory_item_id = models.UUIDField()
    sku = models.CharField(max_length=100)
    name = models.CharField(max_length=255)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.IntegerField()
    fulfilled_quantity = models.IntegerField(null=True, blank=True)
    line_total = models.DecimalField(max_digits=12, decimal_places=2)
    reservation_id = models.UUIDField()
    position = models.SmallIntegerField()  # request order (docs/api.md §37.13: lines in request order)

    class Meta:
        db_table = '"order_schema"."order_lines"'
        ordering = ["order_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "inventory_item_id"], name="order_lines_order_item_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=1, quantity__lte=1000), name="order_lines_quantity_range"),
            models.CheckConstraint(
                condition=Q(fulfilled_quantity__isnull=True)
                | Q(fulfilled_quantity__gte=0, fulfilled_quantity__lte=models.F("quantity")),
                name="order_lines_fulfilled_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class OrderEvent(UUIDModel):
    """One row per status change, in order (each change is its own transaction, with its own time)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=OrderStatus.choices)
    actor_id = models.UUIDField(null=True, blank=True)  # null: the system (an expiry)
    actor_role = models.CharField(max_length=20, null=True, blank=True)
    reason = models.CharField(max_length=20, null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = '"order_schema"."order_events"'
        ordering = ["order_id", "created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="order_events_order_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.status}"
