"""docs/api.md §15: Idempotency-Key on POST movements and reservations."""

import pytest
from django.utils import timezone

from inventory_app.models import StockMovement, StockReservation
from natjoub.api.idempotency import idempotency_keys_purge
from natjoub.models import IdempotencyKey
from tests.conftest import bearer_client
from tests.factories import make_seller, stock
from tests.helpers import assert_error, assert_validation
from tests.inventory_app.conftest import BASE

MOVEMENTS, RESERVATIONS = f"{BASE}/movements", f"{BASE}/reservations"


def out(item, branch, quantity=1):
    return {
        "inventoryItemId": str(item.pk),
        "movementType": "OUT",
        "quantity": quantity,
        "fromBranchId": str(branch.pk),
    }


def test_replay_returns_the_original_response(seller_client, item, branch):
    stock(item, branch, 10)
    first = seller_client.post(MOVEMENTS, out(item, branch), format="json", HTTP_IDEMPOTENCY_KEY="order-1")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    # same body with other key order and whitespace
    raw = f'{{ "quantity": 1, "fromBranchId": "{branch.pk}", "movementType": "OUT", "inventoryItemId": "{item.pk}" }}'
    again = seller_client.generic(
        "POST", MOVEMENTS + "/", raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="order-1"
    )
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert StockMovement.objects.filter(movement_type="OUT").count() == 1
    assert IdempotencyKey.objects.get(key="order-1").response_status == 201


def test_key_is_scoped_to_the_user(seller_client, item, branch, db):
    stock(item, branch, 10)
    other = bearer_client(make_seller())
    assert seller_client.post(MOVEMENTS, out(item, branch), format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    response = other.post(MOVEMENTS, out(item, branch), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert StockMovement.objects.filter(movement_type="OUT").count() == 2


def test_reuse_with_another_body_or_route_is_409(seller_client, item, branch):
    stock(item, branch, 10)
    seller_client.post(MOVEMENTS, out(item, branch), format="json", HTTP_IDEMPOTENCY_KEY="k")
    message = "Idempotency-Key was already used with a different request"
    assert_error(
        seller_client.post(MOVEMENTS, out(item, branch, 2), format="json", HTTP_IDEMPOTENCY_KEY="k"),
        409,
        "IDEMPOTENCY_KEY_REUSED",
        message,
    )
    body = {"inventoryItemId": str(item.pk), "branchId": str(branch.pk), "quantity": 1}
    assert_error(
        seller_client.post(RESERVATIONS, body, format="json", HTTP_IDEMPOTENCY_KEY="k"),
        409,
        "IDEMPOTENCY_KEY_REUSED",
        message,
    )


def test_failures_store_nothing_and_can_be_retried(seller_client, item, branch):
    response = seller_client.post(MOVEMENTS, out(item, branch, 5), format="json", HTTP_IDEMPOTENCY_KEY="retry")
    assert response.status_code == 409
    assert not IdempotencyKey.objects.exists()
    stock(item, branch, 10)
    assert (
        seller_client.post(MOVEMENTS, out(item, branch, 5), format="json", HTTP_IDEMPOTENCY_KEY="retry").status_code
        == 201
    )


def test_reservation_replay(admin_client, item, branch):
    stock(item, branch, 10)
    body = {"inventoryItemId": str(item.pk), "branchId": str(branch.pk), "quantity": 3}
    first = admin_client.post(RESERVATIONS, body, format="json", HTTP_IDEMPOTENCY_KEY="r1")
    admin_client.post(f"{RESERVATIONS}/{first.json()['data']['id']}/release")
    again = admin_client.post(RESERVATIONS, body, format="json", HTTP_IDEMPOTENCY_KEY="r1")
    assert again.json() == first.json()  # the stored body, even though the reservation changed since
    assert again["Idempotent-Replayed"] == "true"
    assert StockReservation.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_invalid_key_is_reported_with_field_errors(seller_client, db, key):
    response = seller_client.post(MOVEMENTS, {"quantity": 0}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert_validation(
        response,
        {
            "Idempotency-Key": "Must be 1-255 printable ASCII characters",
            "inventoryItemId": "Field is required",
            "movementType": "Field is required",
            "quantity": "Must be greater than 0",
        },
    )


def test_other_endpoints_ignore_the_header(admin_client, db):
    response = admin_client.post(f"{BASE}/branches", {"name": "B", "code": "B"}, format="json", HTTP_IDEMPOTENCY_KEY="")
    assert response.status_code == 201


def test_purge_keeps_keys_for_24_hours(db):
    old = IdempotencyKey.objects.create(
        user_id=MISSING_USER, key="old", request_hash="h", response_status=201, response_body={}
    )
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - timezone.timedelta(hours=25))
    recent = IdempotencyKey.objects.create(
        user_id=MISSING_USER, key="new", request_hash="h", response_status=201, response_body={}
    )
    IdempotencyKey.objects.filter(pk=recent.pk).update(created_at=timezone.now() - timezone.timedelta(hours=23))
    assert idempotency_keys_purge() == {"idempotency_keys": 1}  # 24 h retention: the 25-hour-old key only
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


MISSING_USER = "00000000-0000-4000-8000-000000000001"
