"""The list query parameters on django-filter (natjoub/api/filters.py, docs/architecture.md §3.10):
the strict fields' accepted and refused values with the contract's messages, filters and paging
validated in one 400, the OpenAPI parameters generated from the FilterSets, and the page source."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.http import QueryDict
from drf_spectacular.generators import SchemaGenerator

from inventory_app import list_counts
from inventory_app.models import InventoryItem
from natjoub.api.errors import ValidationFailed
from natjoub.api.filters import (
    LIMIT_MESSAGE,
    OFFSET_MESSAGE,
    ApiFilterSet,
    StrictBoolFilter,
    StrictChoiceFilter,
    StrictDateTimeFilter,
    StrictIntFilter,
    StrictTextFilter,
    StrictUUIDFilter,
)
from natjoub.db.pages import PageSource
from tests.factories import make_branch, make_item
from tests.helpers import assert_validation

INVALID = "Invalid value"
ROOT = Path(__file__).resolve().parents[2]
SOME_UUID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


class ProbeFilterSet(ApiFilterSet):
    item_id = StrictUUIDFilter()
    is_active = StrictBoolFilter()
    count = StrictIntFilter()
    created_after = StrictDateTimeFilter()
    search = StrictTextFilter()
    kind = StrictChoiceFilter(choices=[("IN", "In"), ("OUT", "Out")], message="Must be IN or OUT")
    size = StrictChoiceFilter(
        choices=[("s", "small"), ("l", "large")], parser=lambda raw: raw.upper(), default="M", message="Bad size"
    )


class UnpagedFilterSet(ApiFilterSet):
    paginated = False
    count = StrictIntFilter(default=7)


def clean(params: dict, filterset_class=ProbeFilterSet) -> ApiFilterSet:
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query[key] = value
    return filterset_class(query).validate()


def errors_of(params: dict, filterset_class=ProbeFilterSet) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        clean(params, filterset_class)
    return caught.value.details


# -- the strict fields ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("itemId", SOME_UUID, uuid.UUID(SOME_UUID)),
        ("itemId", SOME_UUID.upper(), uuid.UUID(SOME_UUID)),
        ("isActive", "true", True),
        ("isActive", "FALSE", False),
        ("count", "-12", -12),
        ("count", "0", 0),
        ("createdAfter", "2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("createdAfter", "2026-01-02T05:04:05+02:00", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("createdAfter", "2026-01-02 03:04:05", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("search", "  any text é ", "  any text é "),
        ("kind", "OUT", "OUT"),
        ("size", "l", "L"),
    ],
)
def test_a_strict_field_accepts(name, raw, value):
    filterset = clean({name: raw})
    assert filterset.arguments()[filterset.filters[name].field_name] == value


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("itemId", "not-a-uuid", INVALID),
        ("itemId", SOME_UUID + "\n", INVALID),
        ("itemId", SOME_UUID.replace("-", ""), INVALID),
        ("isActive", "yes", INVALID),
        ("isActive", "1", INVALID),
        ("count", "1.5", INVALID),
        ("count", "١٢", INVALID),  # non-ASCII digits
        ("count", "12\n", INVALID),
        ("createdAfter", "2026-01-02", INVALID),  # a date alone
        ("createdAfter", "yesterday", INVALID),
        ("createdAfter", "9999-12-31T23:59:59-23:59", INVALID),  # beyond year 9999 in UTC
        ("search", "a\x00b", INVALID),
        ("kind", "in", "Must be IN or OUT"),  # exact, case-sensitive
        ("size", "m", "Bad size"),
    ],
)
def test_a_strict_field_refuses_with_its_message(name, raw, message):
    assert errors_of({name: raw}) == {name: message}


def test_absent_and_empty_values_are_the_defaults():
    expected = {
        "item_id": None,
        "is_active": None,
        "count": None,
        "created_after": None,
        "search": None,
        "kind": None,
        "size": "M",
    }
    assert clean({}).arguments() == expected
    assert (
        clean(dict.fromkeys(("itemId", "isActive", "count", "createdAfter", "search", "kind", "size"), "")).arguments()
        == expected
    )
    assert clean({}).page == (100, 0)
    assert clean({"limit": "", "offset": ""}).page == (100, 0)


def test_filters_are_snake_case_in_python_and_camel_case_on_the_wire():
    assert list(ProbeFilterSet.base_filters) == [
        "itemId",
        "isActive",
        "count",
        "createdAfter",
        "search",
        "kind",
        "size",
    ]
    assert errors_of({"item_id": "x", "isActive": "x"}) == {"isActive": INVALID}  # the snake name is no parameter


@pytest.mark.parametrize(
    ("limit", "offset", "errors"),
    [
        ("0", "0", {"limit": LIMIT_MESSAGE}),
        ("1001", "0", {"limit": LIMIT_MESSAGE}),
        ("ten", "-1", {"limit": LIMIT_MESSAGE, "offset": OFFSET_MESSAGE}),
        ("1", "1.0", {"offset": OFFSET_MESSAGE}),
    ],
)
def test_paging_is_validated_by_the_same_form(limit, offset, errors):
    assert errors_of({"limit": limit, "offset": offset}) == errors


def test_filters_and_paging_errors_come_in_one_error():
    assert errors_of({"isActive": "maybe", "kind": "X", "limit": "0", "offset": "x", "search": "\x00"}) == {
        "isActive": INVALID,
        "search": INVALID,
        "kind": "Must be IN or OUT",
        "limit": LIMIT_MESSAGE,
        "offset": OFFSET_MESSAGE,
    }
    assert clean({"limit": "1000", "offset": "5"}).page == (1000, 5)


def test_an_unpaged_filterset_takes_no_limit_or_offset():
    filterset = clean({"limit": "0", "offset": "-1"}, UnpagedFilterSet)
    assert filterset.arguments() == {"count": 7}


# -- through HTTP -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_items_list_reports_filters_and_paging_in_one_400(admin_client):
    response = admin_client.get(
        "/api/v1/inventory/items",
        {"isActive": "maybe", "categoryId": "x", "ordering": "price", "limit": "0", "offset": "-1"},
    )
    assert_validation(
        response,
        {
            "isActive": INVALID,
            "categoryId": INVALID,
            "ordering": "Must be one of: name, sku, unitPrice, createdAt (prefix - for descending)",
            "limit": LIMIT_MESSAGE,
            "offset": OFFSET_MESSAGE,
        },
    )


@pytest.mark.django_db
def test_users_list_reports_a_bad_search_with_the_other_errors(admin_client):
    # before the FilterSets, the users list reported isActive and paging first, and the search's
    # NUL only in a second round
    response = admin_client.get("/api/v1/admin/auth/users", {"isActive": "maybe", "search": "a\x00b", "limit": "x"})
    assert_validation(response, {"isActive": INVALID, "search": INVALID, "limit": LIMIT_MESSAGE})


@pytest.mark.django_db
def test_validation_comes_before_a_branch_outside_the_scope(pending_seller_client):
    seller_client = pending_seller_client  # no branch at all: every branch is outside its scope
    outside = make_branch(code="OUTSIDE1")
    for path in ("/api/v1/inventory/stock-levels/low-stock", "/api/v1/orders", "/api/v1/inventory/stock-alerts"):
        response = seller_client.get(path, {"branchId": str(outside.pk), "limit": "0"})
        assert_validation(response, {"limit": LIMIT_MESSAGE})
        assert seller_client.get(path, {"branchId": str(outside.pk)}).status_code == 403


@pytest.mark.django_db
def test_the_dashboard_days_parameter(seller_client):
    client = seller_client
    assert_validation(
        client.get("/api/v1/seller/auth/dashboard", {"days": "0"}), {"days": "Must be an integer between 1 and 365"}
    )
    assert client.get("/api/v1/seller/auth/dashboard", {"days": "", "limit": "0"}).status_code == 200


# -- the OpenAPI parameters come from the FilterSets ------------------------------------------
@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def query_parameters(schema, path: str) -> dict:
    operation = schema["paths"][path]["get"]
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}


def test_items_list_parameters(schema):
    parameters = query_parameters(schema, "/api/v1/inventory/items/")
    assert set(parameters) == {"categoryId", "search", "isActive", "ordering", "limit", "offset"}
    assert parameters["categoryId"]["schema"] == {"type": "string", "format": "uuid"}
    assert parameters["isActive"]["schema"] == {"type": "boolean"}
    assert parameters["search"]["schema"] == {"type": "string"}
    assert sorted(parameters["ordering"]["schema"]["enum"]) == sorted(
        ["name", "-name", "sku", "-sku", "unitPrice", "-unitPrice", "createdAt", "-createdAt"]
    )
    assert parameters["categoryId"]["description"] == "That category and all its descendants"
    assert parameters["limit"]["schema"]["maximum"] == 1000
    assert not any(p.get("required") for p in parameters.values())


@pytest.mark.parametrize("path", ["/api/v1/orders/", "/api/v1/customer/auth/bookings/"])
def test_orders_list_parameters(schema, path):
    parameters = query_parameters(schema, path)
    assert set(parameters) == {
        "status",
        "branchId",
        "customerId",
        "placedFrom",
        "placedTo",
        "search",
        "limit",
        "offset",
    }
    assert parameters["status"]["schema"]["type"] == "string"
    assert sorted(parameters["status"]["schema"]["enum"]) == [
        "CANCELLED",
        "CONFIRMED",
        "EXPIRED",
        "FULFILLED",
        "PLACED",
        "READY",
    ]
    assert parameters["branchId"]["schema"] == {"type": "string", "format": "uuid"}
    assert parameters["placedFrom"]["schema"] == {"type": "string", "format": "date-time"}
    assert parameters["placedTo"]["description"] == "placedAt < value"


def test_other_parameters_come_from_filtersets_too(schema):
    assert set(query_parameters(schema, "/api/v1/inventory/movements/")) == {
        "inventoryItemId",
        "branchId",
        "movementType",
        "referenceNumber",
        "createdAfter",
        "createdBefore",
        "limit",
        "offset",
    }
    assert set(query_parameters(schema, "/api/v1/inventory/branches/mine/")) == {"limit", "offset"}
    days = query_parameters(schema, "/api/v1/seller/auth/dashboard/")["days"]
    assert days["schema"] == {"type": "integer"}


def test_no_list_parameter_is_written_by_hand():
    views = [*ROOT.glob("*_app/views.py"), *ROOT.glob("*_app/views/*.py")]
    assert views
    assert [str(p.relative_to(ROOT)) for p in views if "OpenApiParameter" in p.read_text()] == []


# -- page sources -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_page_source_counts_from_its_counter_or_counts_rows(django_assert_num_queries):
    make_item(sku="PS-1")
    rows = InventoryItem.objects.order_by("id")
    expected = rows.count()
    with django_assert_num_queries(1) as counted:
        assert PageSource(rows).count() == expected
    assert "COUNT(*)" in counted.captured_queries[0]["sql"]
    with django_assert_num_queries(1) as read:  # the counter, equal while the triggers keep it
        assert PageSource(rows, counter=list_counts.ITEMS).count() == expected
    assert "natjoub_list_counts" in read.captured_queries[0]["sql"]
    assert PageSource.of([1, 2, 3]).count() == 3
    source = PageSource(rows)
    assert PageSource.of(source) is source
