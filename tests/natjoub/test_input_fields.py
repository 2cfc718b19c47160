"""Input serializers share their fields, bound once per class (natjoub/api/fields.py
InputSerializer): the same messages as DRF's per-instance copies, no state between requests."""

import threading

from rest_framework import serializers

from inventory_app.serializers import MovementCreateInput, ReservationCreateInput
from natjoub.api import fields
from order_app.serializers import OrderPlaceInput

BODY = {"inventory_item_id": "00000000-0000-4000-8000-000000000001", "movement_type": "IN", "quantity": 2}


def errors_of(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    assert not serializer.is_valid()
    return {name: [str(message) for message in detail] for name, detail in serializer.errors.items()}


def test_fields_are_bound_once_per_class_and_never_shared_with_another_class():
    first, second = MovementCreateInput(data={}), MovementCreateInput(data=BODY)
    assert first.fields is second.fields
    assert ReservationCreateInput().fields is not first.fields
    assert "movement_type" not in ReservationCreateInput().fields

    class Child(fields.InputSerializer):
        extra = fields.Integer()

    assert list(Child().fields) == ["extra"]
    assert Child().fields["extra"].parent is not first  # bound to its own class's template


class FreshMovementInput(MovementCreateInput):
    """The same input with DRF's own per-instance fields (a deep copy of the declared fields)."""

    fields = serializers.Serializer.__dict__["fields"]


def test_messages_are_those_of_fresh_drf_fields():
    cases = [
        {},
        [],
        {**BODY, "quantity": 0},
        {**BODY, "quantity": "x", "movement_type": "NOPE", "notes": ""},
        {**BODY, "from_branch_id": "not-a-uuid", "unit_price": "1.234.5", "quantity": None},
    ]
    for data in cases:
        assert errors_of(MovementCreateInput, data) == errors_of(FreshMovementInput, data), data
    fresh = FreshMovementInput(data=BODY)
    assert fresh.fields is not FreshMovementInput(data=BODY).fields  # the control: DRF's copies
    shared = MovementCreateInput(data=BODY)
    assert shared.is_valid()
    assert fresh.is_valid()
    assert shared.validated_data == fresh.validated_data


def test_shared_fields_validate_concurrent_requests_independently():
    failures = []

    def run(quantity: int) -> None:
        for _ in range(200):
            serializer = MovementCreateInput(data={**BODY, "quantity": quantity})
            valid = serializer.is_valid()
            if quantity > 0 and (not valid or serializer.validated_data["quantity"] != quantity):
                failures.append(quantity)
            if quantity <= 0 and valid:
                failures.append(quantity)

    threads = [threading.Thread(target=run, args=(q,)) for q in (1, 7, 0, -3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_lines_of_an_order_are_validated_with_their_shared_fields():
    errors = errors_of(OrderPlaceInput, {"branch_id": "x", "lines": [{"inventoryItemId": "y", "quantity": 0}]})
    assert set(errors) >= {"branch_id"}
    assert any(name.startswith("lines[0].") for name in errors)
