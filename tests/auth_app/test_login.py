"""POST /api/v1/auth/login (docs/api.md §6.2)."""

import pytest

from auth_app import backends
from auth_app.models import RoleName
from tests.auth_app.conftest import assert_user_dto, post
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import assert_error, assert_ok, assert_validation

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/login"
BAD_CREDENTIALS = ("INVALID_CREDENTIALS", "Invalid email/username/phone or password")


@pytest.mark.parametrize("identifier", ["Person@Example.com", "person@example.com", "PERSON@EXAMPLE.COM",
                                        "person_1", "+85512345678"])  # fmt: skip
def test_login_by_email_any_case_username_or_phone(client, person, identifier):
    response = post(client, URL, {"identifier": identifier, "password": DEFAULT_PASSWORD})
    data = assert_ok(response, 200, "Login successful")
    assert list(data) == ["accessToken", "refreshToken", "user", "expiresIn"]
    assert data["expiresIn"] == 900
    assert_user_dto(data["user"], person, email="Person@Example.com", role="seller", isVerified=True)


def test_login_does_not_require_verification(client):
    make_user(RoleName.CUSTOMER, email="new@example.com", is_verified=False)
    response = post(client, URL, {"identifier": "new@example.com", "password": DEFAULT_PASSWORD})
    assert assert_ok(response, 200, "Login successful")["user"]["isVerified"] is False


def test_email_match_wins_over_username_and_phone(client):
    by_phone = make_user(email="p@example.com", username="phone_owner", phone_number="+15550001")
    by_username = make_user(email="u@example.com", username="x@example.com")
    by_email = make_user(email="X@example.com", username="email_owner")
    data = post(client, URL, {"identifier": "x@example.com", "password": DEFAULT_PASSWORD}).json()["data"]
    assert data["user"]["id"] == str(by_email.pk)
    # username beats phone
    make_user(email="q@example.com", username="+15550001")
    data = post(client, URL, {"identifier": "+15550001", "password": DEFAULT_PASSWORD}).json()["data"]
    assert data["user"]["username"] == "+15550001"
    assert data["user"]["id"] not in {str(by_phone.pk), str(by_username.pk)}


def test_wrong_password_and_unknown_identifier_answer_identically(client, person):
    wrong = post(client, URL, {"identifier": "person_1", "password": "Wrong!Passw0rd"})
    unknown = post(client, URL, {"identifier": "nobody", "password": "Wrong!Passw0rd"})
    assert_error(wrong, 401, *BAD_CREDENTIALS)
    assert_error(unknown, 401, *BAD_CREDENTIALS)
    assert wrong.content == unknown.content
    assert set(wrong.headers) == set(unknown.headers)


def test_unknown_identifier_spends_a_password_check(client, monkeypatch):
    calls = []
    real = backends.dummy_password_check
    monkeypatch.setattr("auth_app.services.sessions.dummy_password_check", lambda pw: calls.append(pw) or real(pw))
    post(client, URL, {"identifier": "ghost@example.com", "password": "whatever"})
    assert calls == ["whatever"]


def test_deactivated_account_with_correct_password_is_403(client):
    make_user(email="gone@example.com", is_active=False)
    response = post(client, URL, {"identifier": "gone@example.com", "password": DEFAULT_PASSWORD})
    assert_error(response, 403, "ACCOUNT_DEACTIVATED", "Account has been deactivated")


def test_deactivated_account_with_wrong_password_is_401(client):
    make_user(email="gone@example.com", is_active=False)
    response = post(client, URL, {"identifier": "gone@example.com", "password": "nope"})
    assert_error(response, 401, *BAD_CREDENTIALS)


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, {"identifier": "Field is required", "password": "Field is required"}),
        ({"identifier": "a"}, {"password": "Field is required"}),
        ({"password": "a"}, {"identifier": "Field is required"}),
        ({"identifier": None, "password": None}, {"identifier": "Field is required", "password": "Field is required"}),
        ({"identifier": 5, "password": ["x"]}, {"identifier": "Invalid value", "password": "Invalid value"}),
    ],
)
def test_missing_fields(client, body, details):
    assert_validation(post(client, URL, body), details)


def test_login_never_applies_the_password_policy(client):
    make_user(email="old@example.com", password="weak")
    assert post(client, URL, {"identifier": "old@example.com", "password": "weak"}).status_code == 200


def test_authorization_header_is_ignored_on_public_routes(client, person):
    response = post(
        client, URL, {"identifier": "person_1", "password": DEFAULT_PASSWORD}, HTTP_AUTHORIZATION="Bearer garbage"
    )
    assert response.status_code == 200


def test_get_is_405_with_allow(client):
    response = client.get(URL)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert "POST" in response["Allow"]


def test_trailing_slash_is_the_same_route(client, person):
    response = post(client, URL + "/", {"identifier": "person_1", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200


def test_malformed_json_and_wrong_content_type(client):
    bad = client.generic("POST", URL, "{nope", content_type="application/json")
    assert_error(bad, 400, "BAD_REQUEST", "Malformed JSON request body")
    other = client.generic("POST", URL, "identifier=x", content_type="text/plain")
    assert_error(other, 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json")
    array = client.generic("POST", URL, "[]", content_type="application/json")
    assert_error(array, 400, "BAD_REQUEST", "Request body must be a JSON object")
