"""Identifiers, codes and tokens have no format rules (docs/api.md §6.2–§6.8): a blank value is a
value that matches nothing, answered like any other unknown one, never a validation error."""

from __future__ import annotations

import pytest

from auth_app.models import Credential
from tests.auth_app.conftest import post
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("body", [{"identifier": "", "password": "whatever"}, {"identifier": "x", "password": ""}])
def test_login_with_a_blank_field_is_invalid_credentials(client, body):
    response = post(client, "/api/v1/auth/login", body)
    assert_error(response, 401, "INVALID_CREDENTIALS", "Invalid email/username/phone or password")


def test_verify_and_resend_with_a_blank_identifier_find_no_user(client):
    for url, body in (("/api/v1/auth/verify-otp", {"identifier": "", "otp": "123456"}),
                      ("/api/v1/auth/resend-otp", {"identifier": ""})):  # fmt: skip
        assert_error(post(client, url, body), 404, "USER_NOT_FOUND", "User not found")


def test_a_blank_otp_is_a_wrong_code_and_counts_as_an_attempt(client, person):
    credential = Credential.objects.get(user=person)
    credential.otp_hash, credential.otp_attempts = "0" * 64, 0
    credential.otp_expiry = credential.created_at.replace(year=credential.created_at.year + 1)
    credential.save()
    response = post(client, "/api/v1/auth/verify-otp", {"identifier": credential.email, "otp": ""})
    assert_error(response, 400, "INVALID_OTP", "Invalid or expired OTP")
    credential.refresh_from_db()
    assert credential.otp_attempts == 1


def test_reset_password_with_a_blank_token_is_an_invalid_token(client):
    response = post(client, "/api/v1/auth/reset-password", {"token": "", "newPassword": "N3w!Secret-Pass"})
    assert_error(response, 400, "INVALID_TOKEN", "Invalid or expired reset token")


def test_refresh_with_a_blank_token_is_an_invalid_refresh_token(client):
    response = post(client, "/api/v1/auth/refresh-token", {"refreshToken": ""})
    assert_error(response, 401, "INVALID_REFRESH_TOKEN", "Invalid or revoked refresh token")


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/auth/login", {"password": "x"}, "identifier"),
        ("/api/v1/auth/verify-otp", {"identifier": "x", "otp": None}, "otp"),
        ("/api/v1/auth/refresh-token", {}, "refreshToken"),
    ],
)
def test_a_missing_field_is_still_required(client, url, body, field):
    response = post(client, url, body)
    assert_error(response, 400, "VALIDATION_ERROR", "Validation failed", {field: "Field is required"})
