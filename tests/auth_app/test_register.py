"""POST /api/v1/auth/register (docs/api.md §6.0, §6.1)."""

import pytest
from django.core import mail

from auth_app.models import Credential, RefreshToken, User
from auth_app.otp import otp_hash
from auth_app.validation import (
    DOB_MESSAGE,
    FIRST_NAME_MESSAGE,
    GENDER_MESSAGE,
    LAST_NAME_MESSAGE,
    PASSWORD_COMMON_MESSAGE,
    PASSWORD_LENGTH_MESSAGE,
    PASSWORD_POLICY_MESSAGE,
    USERNAME_MESSAGE,
)
from natjoub.api.contact_rules import EMAIL_MESSAGE, PHONE_MESSAGE
from tests.auth_app.conftest import STRONG_PASSWORD, assert_user_dto, otp_from_outbox, post, register_body
from tests.factories import make_user
from tests.helpers import assert_error, assert_ok, assert_validation

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/register"
REGISTERED = "User registered successfully. Please verify your account with the OTP sent to your email."


def test_register_creates_an_unverified_account_and_answers_auth_response(client, committed):
    with committed():
        response = post(client, URL, register_body(role="Seller", gender="FEMALE"))
    data = assert_ok(response, 201, REGISTERED)
    assert list(data) == ["accessToken", "refreshToken", "user", "expiresIn"]
    assert data["expiresIn"] == 900
    assert_user_dto(
        data["user"],
        firstName="John",
        lastName="Doe",
        email="john@example.com",
        username="johndoe",
        phoneNumber="+1234567890",
        role="seller",
        dob="1995-05-10",
        gender="female",
        isActive=True,
        isVerified=False,
    )
    user = User.objects.select_related("credentials").get(pk=data["user"]["id"])
    assert user.credentials.password != STRONG_PASSWORD
    assert user.credentials.otp_attempts == 0
    assert user.credentials.otp_sent_at is not None
    # the OTP is e-mailed and stored only as its HMAC
    code = otp_from_outbox()
    assert mail.outbox[0].to == ["john@example.com"]
    assert mail.outbox[0].from_email == "noreply@natjoub.local"
    assert user.credentials.otp_hash == otp_hash(code)
    assert code not in user.credentials.otp_hash
    # refresh token stored as its SHA-256 hex, never raw
    stored = RefreshToken.objects.get(user=user)
    assert len(stored.token) == 64
    assert stored.token != data["refreshToken"]
    # the tokens work immediately
    profile = client.get("/api/v1/seller/auth/profile", HTTP_AUTHORIZATION=f"Bearer {data['accessToken']}")
    assert profile.status_code == 200


def test_register_with_only_required_fields(client):
    body = register_body(username=..., phoneNumber=..., dob=..., gender=..., role="customer")
    data = assert_ok(post(client, URL, body), 201, REGISTERED)
    assert_user_dto(data["user"], username=None, phoneNumber=None, dob=None, gender=None, role="customer")


def test_null_optional_fields_count_as_absent_and_unknown_keys_are_ignored(client):
    body = register_body(username=None, phoneNumber=None, dob=None, gender=None, isVerified=True, isActive=False)
    data = assert_ok(post(client, URL, body), 201, REGISTERED)
    assert_user_dto(data["user"], username=None, isVerified=False, isActive=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("firstName", ..., "Field is required"),
        ("firstName", None, "Field is required"),
        ("firstName", 5, "Invalid value"),
        ("firstName", "", FIRST_NAME_MESSAGE),
        ("firstName", "   ", FIRST_NAME_MESSAGE),
        ("firstName", "J0hn", FIRST_NAME_MESSAGE),
        ("firstName", "John!", FIRST_NAME_MESSAGE),
        ("firstName", "x" * 101, FIRST_NAME_MESSAGE),
        ("lastName", ..., "Field is required"),
        ("lastName", "Doe_", LAST_NAME_MESSAGE),
        ("lastName", "", LAST_NAME_MESSAGE),
        ("lastName", ["Doe"], "Invalid value"),
        ("email", ..., "Field is required"),
        ("email", "", EMAIL_MESSAGE),
        ("email", "not-an-email", EMAIL_MESSAGE),
        ("email", "a@b.c", EMAIL_MESSAGE),
        ("email", "a b@example.com", EMAIL_MESSAGE),
        ("email", "john@example.com\n", EMAIL_MESSAGE),
        ("email", "x" * 244 + "@example.com", EMAIL_MESSAGE),
        ("email", 12, "Invalid value"),
        ("password", ..., "Field is required"),
        ("password", "", PASSWORD_POLICY_MESSAGE),
        ("password", "Sh0rt!", PASSWORD_POLICY_MESSAGE),
        ("password", "alllower1!", PASSWORD_POLICY_MESSAGE),
        ("password", "ALLUPPER1!", PASSWORD_POLICY_MESSAGE),
        ("password", "NoDigits!!", PASSWORD_POLICY_MESSAGE),
        ("password", "NoSpecial12", PASSWORD_POLICY_MESSAGE),
        ("password", "Aa1!" + "x" * 125, PASSWORD_LENGTH_MESSAGE),
        ("password", "P@ssw0rd", PASSWORD_COMMON_MESSAGE),
        ("password", "Password1!", PASSWORD_COMMON_MESSAGE),
        ("password", True, "Invalid value"),
        ("role", ..., "Field is required"),
        ("role", None, "Field is required"),
        ("role", 1, "Invalid value"),
        ("username", "", USERNAME_MESSAGE),
        ("username", "ab", USERNAME_MESSAGE),
        ("username", "a" * 21, USERNAME_MESSAGE),
        ("username", "john-doe", USERNAME_MESSAGE),
        ("username", "jöhn", USERNAME_MESSAGE),
        ("phoneNumber", "", PHONE_MESSAGE),
        ("phoneNumber", "0123456789", PHONE_MESSAGE),
        ("phoneNumber", "+1", PHONE_MESSAGE),
        ("phoneNumber", "+1234567890123456", PHONE_MESSAGE),
        ("phoneNumber", "+١٢٣٤٥٦٧٨", PHONE_MESSAGE),
        ("phoneNumber", 1234567890, "Invalid value"),
        ("dob", "", DOB_MESSAGE),
        ("dob", "1995-5-10", DOB_MESSAGE),
        ("dob", "2023-02-30", DOB_MESSAGE),
        ("dob", "10/05/1995", DOB_MESSAGE),
        ("dob", "1995-05-10T00:00:00", DOB_MESSAGE),
        ("gender", "", GENDER_MESSAGE),
        ("gender", "unknown", GENDER_MESSAGE),
        ("gender", 1, "Invalid value"),
    ],
)
def test_field_rules(client, field, value, message):
    response = post(client, URL, register_body(**{field: value}))
    assert_validation(response, {field: message})
    assert not User.objects.exists()


def test_password_boundaries_are_accepted(client):
    assert post(client, URL, register_body(password="Aa1!" + "x" * 124)).status_code == 201  # 128 characters
    body = register_body(email="space@example.com", username="spacey", phoneNumber="+1999", password="Ab1 cdefg")
    assert post(client, URL, body).status_code == 201  # a space is a special character


def test_names_accept_unicode_letters_spaces_hyphens_and_apostrophes(client):
    body = register_body(firstName="Zoë Anne-Marie", lastName="O'Brien Müller")
    data = assert_ok(post(client, URL, body), 201, REGISTERED)
    assert data["user"]["firstName"] == "Zoë Anne-Marie"


def test_every_invalid_field_is_reported_together(client):
    body = {"firstName": "", "email": "bad", "password": "weak", "username": "x", "gender": "?"}
    response = post(client, URL, body)
    assert_validation(
        response,
        {
            "firstName": FIRST_NAME_MESSAGE,
            "lastName": "Field is required",
            "email": EMAIL_MESSAGE,
            "password": PASSWORD_POLICY_MESSAGE,
            "role": "Field is required",
            "username": USERNAME_MESSAGE,
            "gender": GENDER_MESSAGE,
        },
    )


@pytest.mark.parametrize("role", ["admin", "ADMIN", "Admin"])
def test_admin_role_is_refused(client, role):
    assert_error(post(client, URL, register_body(role=role)), 400, "INVALID_ROLE", "Cannot register as admin")


@pytest.mark.parametrize("role", ["manager", "Sellers", "", " seller", "superuser"])
def test_unknown_role_is_reported_as_sent(client, role):
    assert_error(post(client, URL, register_body(role=role)), 400, "INVALID_ROLE", f"Invalid role: {role}")


def test_field_validation_comes_before_role(client):
    response = post(client, URL, register_body(role="admin", email="bad"))
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_role_is_checked_before_uniqueness(client, person):
    response = post(client, URL, register_body(role="admin", email="person@example.com"))
    assert_error(response, 400, "INVALID_ROLE", "Cannot register as admin")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "PERSON@example.COM"}, "Email already registered"),
        ({"email": "person@example.com", "username": "person_1"}, "Email already registered"),
        ({"username": "person_1", "phoneNumber": "+85512345678"}, "Username already taken"),
        ({"phoneNumber": "+85512345678"}, "Phone number already registered"),
    ],
)
def test_uniqueness_conflicts_in_contract_order(client, person, overrides, message):
    response = post(client, URL, register_body(**overrides))
    assert_error(response, 409, "USER_ALREADY_EXISTS", message)
    assert Credential.objects.count() == 1


def test_username_is_case_sensitive_for_uniqueness(client, person):
    assert post(client, URL, register_body(username="PERSON_1")).status_code == 201


def test_mail_failure_does_not_change_the_response(client, committed, settings, caplog):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1},
        }
    }
    with committed():
        response = post(client, URL, register_body())
    assert response.status_code == 201
    failures = [r for r in caplog.records if r.name == "auth_app.emails"]
    assert failures
    assert "delivery failed" in failures[0].getMessage()


def test_otp_is_never_logged(client, committed, caplog):
    caplog.set_level("DEBUG")
    with committed():
        post(client, URL, register_body())
    code = otp_from_outbox()
    assert all(code not in record.getMessage() for record in caplog.records)


def test_admin_created_by_factory_still_unique_by_email(client):
    make_user("admin", email="boss@example.com")
    response = post(client, URL, register_body(email="Boss@Example.com"))
    assert_error(response, 409, "USER_ALREADY_EXISTS", "Email already registered")
