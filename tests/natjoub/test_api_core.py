"""The API core: envelope, errors, parsing, strict fields, pagination (docs/api.md §1–§3)."""

import json
import logging

import pytest

from tests.helpers import FORBIDDEN, assert_error, assert_validation

pytestmark = [pytest.mark.urls("tests.natjoub.probe_urls"), pytest.mark.django_db]

URL = "/api/v1/probe"


def post(client, body, content_type="application/json", url=URL):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.generic("POST", url, data, content_type=content_type)


def test_success_envelope_and_camel_case(client):
    response = post(client, {"name": "abc", "count": "5", "price": 1.005, "flag": True})
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body == {
        "success": True,
        "data": {"echoBack": {"name": "abc", "count": "5", "price": "1.01", "flag": "True"}},
        "message": "Echoed",
        "error": None,
    }


def test_validation_collects_every_field_with_contract_messages(client):
    response = post(client, {"name": "toolong", "count": 0, "price": "NaN", "flag": "true", "ref": "nope"})
    assert_validation(
        response,
        {
            "name": "Must be at most 5 characters",
            "count": "Must be greater than 0",
            "price": "Invalid value",
            "flag": "Invalid value",
            "ref": "Invalid value",
        },
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [(None, "Field is required"), ("   ", "Must not be blank"), (5, "Invalid value"), (["a"], "Invalid value")],
)
def test_text_field_rules(client, value, message):
    response = post(client, {"name": value})
    assert response.json()["error"]["details"] == {"name": message}


@pytest.mark.parametrize("count", [5.0, True, "5.0", "1e3", 2**31, -(2**31) - 1, "abc"])
def test_integer_rejects_floats_booleans_and_out_of_range(client, count):
    response = post(client, {"name": "a", "count": count})
    assert response.json()["error"]["details"] == {"count": "Invalid value"}


def test_integer_accepts_digit_strings(client):
    assert post(client, {"name": "a", "count": "12"}).json()["data"]["echoBack"]["count"] == "12"


@pytest.mark.parametrize(("price", "expected"), [("899.994", "899.99"), (0.125, "0.13"), (5, "5.00"), ("0", "0.00")])
def test_money_rounds_half_up_from_decimal_text(client, price, expected):
    assert post(client, {"name": "a", "price": price}).json()["data"]["echoBack"]["price"] == expected


@pytest.mark.parametrize("price", ["-1", 100000000, "1e5", "Infinity"])
def test_money_range_and_format(client, price):
    details = post(client, {"name": "a", "price": price}).json()["error"]["details"]
    assert details["price"] in {"Must be between 0 and 99999999.99", "Invalid value"}


def test_malformed_json(client):
    assert_error(post(client, b'{"name": '), 400, "BAD_REQUEST", "Malformed JSON request body")


def test_nan_literal_is_malformed(client):
    assert_error(post(client, b'{"name": NaN}'), 400, "BAD_REQUEST", "Malformed JSON request body")


def test_invalid_utf8_is_malformed(client):
    assert_error(post(client, b'{"name": "\xff"}'), 400, "BAD_REQUEST", "Malformed JSON request body")


def test_deeply_nested_json_is_a_400(client):
    bomb = "[" * 100_000 + "]" * 100_000
    assert post(client, bomb).status_code == 400


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"3"])
def test_body_must_be_an_object(client, body):
    assert_error(post(client, body), 400, "BAD_REQUEST", "Request body must be a JSON object")


def test_other_content_type_is_415(client):
    assert_error(
        post(client, "name=a", content_type="text/plain"),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "Content-Type must be application/json",
    )


def test_body_without_content_type_is_415(client):
    response = client.generic("POST", URL, b'{"name": "a"}', content_type="")
    assert response.status_code == 415


def test_charset_parameter_is_accepted(client):
    assert post(client, {"name": "a"}, content_type="application/json; charset=utf-8").status_code == 201


def test_empty_body_counts_as_empty_object(client):
    response = client.generic("POST", URL, b"", content_type="application/json")
    assert response.json()["error"]["details"] == {"name": "Field is required"}


def test_endpoint_without_body_never_parses(client):
    uuid = "6f0c1a8e-2a4b-4c6d-8e9f-0a1b2c3d4e5f"
    response = client.generic("PATCH", f"{URL}/{uuid}", b"not json at all", content_type="text/plain")
    assert response.status_code == 200


def test_body_over_one_mib_is_413(client):
    big = json.dumps({"name": "a" * 1_048_600})
    assert_error(post(client, big), 413, "PAYLOAD_TOO_LARGE", "Request body too large")


def test_unknown_route_is_json_404(client):
    assert_error(
        client.get("/no/such/thing"),
        404,
        "NOT_FOUND",
        "The requested resource was not found",
        top="Resource not found",
    )


def test_method_not_allowed_has_allow_header(client):
    response = client.put(URL, {}, content_type="application/json")
    assert_error(
        response,
        405,
        "METHOD_NOT_ALLOWED",
        "The HTTP method is not allowed for this endpoint",
        top="Method not allowed",
    )
    assert "POST" in response["Allow"]
    assert "GET" in response["Allow"]


def test_path_uuid_is_validated(client):
    assert_error(client.get(f"{URL}/not-a-uuid"), 400, "BAD_REQUEST", "Invalid UUID: not-a-uuid")


def test_trailing_slash_is_optional_and_never_redirects(client):
    uuid = "6F0C1A8E-2A4B-4C6D-8E9F-0A1B2C3D4E5F"
    for url in (f"{URL}/{uuid}", f"{URL}/{uuid}/"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.json()["data"] == {"id": uuid.lower()}


def test_unexpected_error_is_a_500_envelope_and_logged(client, caplog):
    with caplog.at_level(logging.ERROR, logger="natjoub.errors"):
        response = client.delete(f"{URL}/6f0c1a8e-2a4b-4c6d-8e9f-0a1b2c3d4e5f")
    assert_error(
        response,
        500,
        "INTERNAL_SERVER_ERROR",
        "An unexpected error occurred. Please try again later.",
        top="An internal server error occurred",
    )
    assert b"secret internals" not in response.content
    record = next(r for r in caplog.records if r.name == "natjoub.errors")
    assert record.exc_info is not None


def test_pagination_meta(client):
    body = client.get(URL, {"limit": 3, "offset": 3}).json()
    assert [row["rowNumber"] for row in body["data"]] == [3, 4, 5]
    assert body["meta"] == {"total": 7, "limit": 3, "offset": 3, "page": 2, "pageSize": 3, "totalPages": 3}


def test_pagination_defaults_and_offset_past_end(client):
    assert client.get(URL).json()["meta"] == {
        "total": 7, "limit": 100, "offset": 0, "page": 1, "pageSize": 100, "totalPages": 1,
    }  # fmt: skip
    assert client.get(URL, {"offset": 50}).json()["data"] == []


@pytest.mark.parametrize(
    ("params", "details"),
    [
        ({"limit": 0}, {"limit": "Must be an integer between 1 and 1000"}),
        ({"limit": 1001}, {"limit": "Must be an integer between 1 and 1000"}),
        ({"limit": "ten"}, {"limit": "Must be an integer between 1 and 1000"}),
        ({"limit": "\u0661\u0660"}, {"limit": "Must be an integer between 1 and 1000"}),  # Arabic-Indic "10"
        ({"offset": "\uff13"}, {"offset": "Must be a non-negative integer"}),  # fullwidth "3"
        ({"offset": -1}, {"offset": "Must be a non-negative integer"}),
        (
            {"limit": "x", "offset": "y"},
            {"limit": "Must be an integer between 1 and 1000", "offset": "Must be a non-negative integer"},
        ),
    ],
)
def test_pagination_validation(client, params, details):
    assert_validation(client.get(URL, params), details)


def test_empty_query_value_counts_as_absent(client):
    assert client.get(URL, {"limit": ""}).json()["meta"]["limit"] == 100


def test_accept_header_is_ignored(client):
    response = client.get(URL, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_options_answers_without_form_introspection(client):
    response = client.options(URL)
    assert response.status_code == 200
    assert response.json()["data"]["name"]


@pytest.mark.parametrize(("method", "path"), [("post", "/api/v1/nope"), ("delete", "/nope"), ("post", "/health")])
def test_csrf_never_hides_404_or_405(method, path):
    from django.test import Client

    response = getattr(Client(enforce_csrf_checks=True), method)(path)
    assert response.status_code in (404, 405)


@pytest.mark.django_db
def test_admin_forms_still_require_a_csrf_token():
    """CSRF is gated to /admin/ (the only cookie-authenticated forms), not switched off."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    refused = client.post("/admin/login/", {"username": "a@example.com", "password": "x"})
    assert refused.status_code == 403
    client.get("/admin/login/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    form = {"username": "a@example.com", "password": "x", "csrfmiddlewaretoken": token}
    accepted = client.post("/admin/login/", form)
    assert accepted.status_code == 200  # the form again, with its error: the token was accepted


def test_an_action_missing_from_the_permission_map_is_denied(admin_client):
    assert admin_client.get("/api/v1/partly-declared").status_code == 200
    response = admin_client.get("/api/v1/partly-declared/00000000-0000-4000-8000-000000000000")
    assert_error(response, 403, "FORBIDDEN", "You don't have permission to access this resource")


def test_options_is_refused_to_a_caller_who_may_use_no_action(admin_client, customer_client, client):
    """Finding 11: OPTIONS on a viewset whose map lists actions but no "*" fell back to "any
    authenticated user"; it now needs the permissions of one of the listed actions."""
    assert admin_client.get("/api/v1/admin-list").status_code == 200
    assert_error(customer_client.get("/api/v1/admin-list"), 403, *FORBIDDEN)
    assert admin_client.options("/api/v1/admin-list").status_code == 200
    assert_error(customer_client.options("/api/v1/admin-list"), 403, *FORBIDDEN)
    assert client.options("/api/v1/admin-list").status_code == 401
