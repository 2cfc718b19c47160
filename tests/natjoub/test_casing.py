"""camelCase conversion: correct for every key, cached only for short ones (keys can echo input)."""

from natjoub.api import casing


def test_short_keys_are_converted_and_cached():
    casing._cached_camel.cache_clear()
    assert casing.to_camel("inventory_item_id") == "inventoryItemId"
    assert casing.to_camel("inventory_item_id") == "inventoryItemId"
    assert casing._cached_camel.cache_info().hits == 1


def test_long_keys_are_converted_but_never_cached():
    casing._cached_camel.cache_clear()
    key = "a_" * 100_000
    assert casing.to_camel(key) == "a" + "A" * 99_999 + ""
    assert casing._cached_camel.cache_info().currsize == 0


def test_camelize_nested_values():
    body = {"stock_level": [{"branch_id": 1, "tags": ("x_y",)}], "_private": {"a_b": None}}
    assert casing.camelize(body) == {"stockLevel": [{"branchId": 1, "tags": ["x_y"]}], "_private": {"aB": None}}
