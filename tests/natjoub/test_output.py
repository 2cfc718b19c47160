"""render_many, render_one and render_page (natjoub/api/output.py) must render exactly what DRF's
serializers render (render_page: with camelCase keys), for every output serializer a list endpoint
uses, on rows with and without their optional relations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import serializers

from auth_app import selectors as auth_selectors
from auth_app.models import RoleName
from auth_app.serializers import SessionOutput, UserOutput
from inventory_app import selectors as inv
from inventory_app.models import MovementType, ReservationStatus, StockMovement, StockReservation
from inventory_app.serializers import (
    BranchOutput,
    CategoryOutput,
    ItemOutput,
    MovementOutput,
    ReservationOutput,
    StockLevelOutput,
)
from natjoub.api import output
from natjoub.api.casing import camelize
from natjoub.api.output import render_counted_page, render_many, render_one, render_page
from tests.factories import make_branch, make_category, make_item, make_user, stock

pytestmark = pytest.mark.django_db


def drf(serializer_class, rows) -> list[dict]:
    return [dict(row) for row in serializer_class(rows, many=True).data]


@pytest.fixture
def inventory():
    parent = make_category("Parent")
    child = make_category("Child", parent=parent, description="nested")
    main = make_branch("BR-1", city="Phnom Penh", is_active=True)
    other = make_branch("BR-2", name="Other", phone_number="+85512345678", is_active=False)
    with_category = make_item("SKU-1", category=child, barcode="123", unit_price=Decimal("1234.50"))
    bare = make_item("SKU-2", description=None, unit_price=Decimal("0.00"), is_active=False)
    stock(with_category, main, 7)
    stock(with_category, other, 3, reserved=2)
    stock(bare, main, 0)
    StockMovement.objects.create(
        inventory_item=with_category, from_branch=main, to_branch=other, movement_type=MovementType.TRANSFER,
        quantity=2, unit_price=Decimal("9.99"), reference_number="T-1", notes="move",
    )  # fmt: skip
    StockMovement.objects.create(inventory_item=bare, from_branch=main, movement_type=MovementType.OUT, quantity=1)
    now = timezone.now()
    StockReservation.objects.create(
        inventory_item=with_category, branch=main, quantity=1, expires_at=now + timedelta(minutes=5)
    )
    StockReservation.objects.create(
        inventory_item=bare, branch=main, quantity=1, expires_at=now - timedelta(minutes=5), reference_number="R-2"
    )
    StockReservation.objects.create(
        inventory_item=bare, branch=other, quantity=2, status=ReservationStatus.RELEASED, expires_at=now
    )


@pytest.mark.parametrize(
    ("serializer_class", "rows"),
    [
        (BranchOutput, lambda: inv.branch_list()),
        (CategoryOutput, lambda: inv.category_list()),
        (ItemOutput, lambda: inv.item_list().rows),
        (StockLevelOutput, lambda: inv.stock_levels_queryset().order_by("id")),
        (StockLevelOutput, lambda: inv.low_stock_list()),
        (MovementOutput, lambda: inv.movements_queryset().order_by("id")),
        (ReservationOutput, lambda: inv.reservation_list()),
        (UserOutput, lambda: auth_selectors.user_list()),
    ],
    ids=["branches", "categories", "items", "stock-levels", "low-stock", "movements", "reservations", "users"],
)
def test_render_many_equals_drf(inventory, serializer_class, rows):
    make_user(RoleName.SELLER, first_name="Sam", dob=None)
    listed = list(rows())
    assert listed, "the fixture must produce rows for this serializer"
    assert render_many(serializer_class, listed) == drf(serializer_class, listed)
    for row in listed:  # the single-object responses (created, retrieved, profile)
        assert render_one(serializer_class, row) == dict(serializer_class(row).data)
    queryset = rows()
    if isinstance(queryset, QuerySet):  # a list page read as columns, or through render_many
        expected = camelize(drf(serializer_class, listed))
        assert camelize(render_page(serializer_class, queryset, 0, len(listed))) == expected
        assert camelize(render_page(serializer_class, queryset, 1, 2)) == expected[1:2]


@pytest.mark.parametrize(
    ("serializer_class", "queryset"),
    [(MovementOutput, lambda: inv.movements_queryset()), (ItemOutput, lambda: inv.item_list().rows)],
    ids=["movements", "items"],
)
def test_pages_of_the_big_lists_are_read_as_columns(inventory, serializer_class, queryset, django_assert_num_queries):
    qs = queryset()
    assert output._column_plan(serializer_class, qs.model, timezone.get_current_timezone()) is not None
    with django_assert_num_queries(1):
        page = render_page(serializer_class, qs, 0, 10)
    assert type(page).__name__ == "Camelized"
    assert page


def test_the_low_stock_page_is_read_with_its_total_in_one_statement(inventory, django_assert_num_queries):
    """The endpoint's page source (one hand-written statement ending with ``COUNT(*) OVER ()``)
    renders what DRF renders from the selector's model instances, and the whole list's total."""
    make_item("SKU-3", reorder_level=5)
    stock(make_item("SKU-4", reorder_level=5), make_branch("BR-3", name="Third"), 4, reserved=1)
    listed = list(inv.low_stock_list())
    expected = camelize(drf(StockLevelOutput, listed))
    assert len(expected) >= 2
    source = inv.low_stock_page()
    assert source.counted_with_page
    with django_assert_num_queries(1):
        page, total = render_counted_page(StockLevelOutput, source.rows, 0, 100)
    assert (camelize(page), total) == (expected, len(expected))
    with django_assert_num_queries(1):
        page, total = render_counted_page(StockLevelOutput, source.rows, 1, 2)
    assert (camelize(page), total) == (expected[1:2], len(expected))
    assert render_counted_page(StockLevelOutput, source.rows, len(expected), 100) == ([], None)  # caller counts
    empty = inv.low_stock_page(branch_id=make_branch("BR-4", name="Fourth").pk)
    assert render_counted_page(StockLevelOutput, empty.rows, 0, 100) == ([], 0)
    with django_assert_num_queries(1):  # past the end: the page reads no row to carry the total
        assert source.count() == len(expected)
    assert camelize(render_page(StockLevelOutput, source.rows, 1, 3)) == expected[1:3]  # the uncounted read


def test_render_many_of_nothing():
    assert render_many(SessionOutput, []) == []


class Row:
    def __init__(self, **values):
        self.__dict__.update(values)


class Edge(serializers.Serializer):
    when = serializers.DateTimeField()
    naive = serializers.DateTimeField()
    text_when = serializers.DateTimeField()
    flag = serializers.BooleanField()
    number = serializers.IntegerField()
    label = serializers.CharField(source="nested.label", allow_null=True)
    computed = serializers.CharField()
    secret = serializers.CharField(write_only=True)


def test_edge_cases_take_drf_path():
    """Non-UTC offsets, naive values, strings, truthy spellings, callables, None half-way, write-only."""
    plus7 = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC) + timedelta(hours=7)
    naive = datetime(2026, 1, 2, 3, 4, 5)  # noqa: DTZ001 - DRF makes naive values aware
    rows = [
        Row(when=plus7.astimezone(timezone.get_fixed_timezone(420)), naive=naive,
            text_when="as-is", flag="false", number="42", nested=None, computed=lambda: "called", secret="x"),
        Row(when=datetime(2026, 1, 2, tzinfo=UTC), naive=naive, text_when="x", flag=1, number=7.0,
            nested=Row(label="inner"), computed="plain", secret="y"),
    ]  # fmt: skip
    rendered = render_many(Edge, rows)
    assert rendered == drf(Edge, rows)
    assert rendered[0]["when"] == "2026-01-02T10:04:05.000006Z"
    assert rendered[0]["flag"] is False
    assert rendered[0]["label"] is None
    assert rendered[0]["computed"] == "called"
    assert "secret" not in rendered[0]


class Shouting(serializers.Serializer):
    label = serializers.CharField()

    def to_representation(self, instance):
        return {"label": instance.label.upper()}


def test_a_serializer_with_its_own_to_representation_is_rendered_by_drf():
    rows = [Row(label="quiet")]
    assert render_many(Shouting, rows) == [{"label": "QUIET"}]
