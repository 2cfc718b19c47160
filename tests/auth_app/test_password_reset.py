"""POST /api/v1/auth/forgot-password and /reset-password (docs/api.md §6.5, §6.6, §7)."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.utils import timezone

from auth_app.models import Credential, PasswordResetToken, RefreshToken, User
from auth_app.services.sessions import tokens_issue
from auth_app.validation import PASSWORD_COMMON_MESSAGE, PASSWORD_LENGTH_MESSAGE, PASSWORD_POLICY_MESSAGE
from tests.auth_app.conftest import STRONG_PASSWORD, post, reset_token_from_outbox
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import assert_error, assert_ok, assert_validation

pytestmark = pytest.mark.django_db
FORGOT = "/api/v1/auth/forgot-password"
RESET = "/api/v1/auth/reset-password"
SENT = {"message": "If the account exists, password reset instructions have been sent to its email"}
INVALID_TOKEN = ("INVALID_TOKEN", "Invalid or expired reset token")


@pytest.fixture
def reset_token(client, person, committed) -> str:
    with committed():
        assert post(client, FORGOT, {"email": "person@EXAMPLE.com"}).status_code == 200
    return reset_token_from_outbox()


def test_forgot_password_mails_a_single_use_token_stored_as_sha256(client, person, committed):
    with committed():
        response = post(client, FORGOT, {"email": "PERSON@example.com"})
    assert assert_ok(response, 200, "Password reset email sent") == SENT
    assert mail.outbox[0].to == ["Person@Example.com"]
    token = reset_token_from_outbox()
    assert len(token) >= 32
    row = PasswordResetToken.objects.get(user=person)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.used_at is None
    assert timedelta(minutes=29) < row.expires_at - timezone.now() <= timedelta(minutes=30)


@pytest.mark.parametrize("email", ["nobody@example.com", "inactive@example.com"])
def test_forgot_password_answers_the_same_without_an_active_account(client, person, committed, email):
    make_user(email="inactive@example.com", is_active=False)
    with committed():
        response = post(client, FORGOT, {"email": email})
        known = post(client, FORGOT, {"email": "person@example.com"})
    assert response.content == known.content
    assert response.status_code == known.status_code == 200
    assert len(mail.outbox) == 1  # only for the active account
    assert PasswordResetToken.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, {"email": "Field is required"}),
        ({"email": "nope"}, {"email": "Invalid email format"}),
        ({"email": ""}, {"email": "Invalid email format"}),
        ({"email": 3}, {"email": "Invalid value"}),
    ],
)
def test_forgot_password_validates_the_email(client, body, details):
    assert_validation(post(client, FORGOT, body), details)


def test_earlier_unused_tokens_stay_valid(client, person, committed):
    with committed():
        post(client, FORGOT, {"email": "person@example.com"})
        post(client, FORGOT, {"email": "person@example.com"})
    first, second = reset_token_from_outbox(0), reset_token_from_outbox(1)
    assert first != second
    assert post(client, RESET, {"token": first, "newPassword": STRONG_PASSWORD}).status_code == 200
    # the reset marked every unused token used
    assert_error(post(client, RESET, {"token": second, "newPassword": STRONG_PASSWORD}), 400, *INVALID_TOKEN)


def test_reset_sets_the_password_and_ends_every_session(client, person, reset_token):
    tokens = tokens_issue(user=person)
    response = post(client, RESET, {"token": reset_token, "newPassword": STRONG_PASSWORD})
    assert assert_ok(response, 200, "Password has been reset successfully") == {"message": "Password reset successful"}
    assert check_password(STRONG_PASSWORD, Credential.objects.get(user=person).password)
    assert not RefreshToken.objects.filter(user=person, is_revoked=False).exists()
    assert PasswordResetToken.objects.get(user=person).used_at is not None
    refresh = post(client, "/api/v1/auth/refresh-token", {"refreshToken": tokens["refresh_token"]})
    assert refresh.status_code == 401
    assert (
        post(client, "/api/v1/auth/login", {"identifier": "person_1", "password": STRONG_PASSWORD}).status_code == 200
    )
    old = post(client, "/api/v1/auth/login", {"identifier": "person_1", "password": DEFAULT_PASSWORD})
    assert old.status_code == 401
    # single use
    assert_error(post(client, RESET, {"token": reset_token, "newPassword": "An0ther!Secret"}), 400, *INVALID_TOKEN)


def test_unknown_token(client):
    assert_error(post(client, RESET, {"token": "x" * 43, "newPassword": STRONG_PASSWORD}), 400, *INVALID_TOKEN)


def test_expired_token(client, person, reset_token):
    PasswordResetToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(post(client, RESET, {"token": reset_token, "newPassword": STRONG_PASSWORD}), 400, *INVALID_TOKEN)


def test_token_of_a_deactivated_user(client, person, reset_token):
    User.objects.filter(pk=person.pk).update(is_active=False)
    assert_error(post(client, RESET, {"token": reset_token, "newPassword": STRONG_PASSWORD}), 400, *INVALID_TOKEN)


def test_token_of_a_deleted_user(client, person, reset_token):
    person.delete()
    assert_error(post(client, RESET, {"token": reset_token, "newPassword": STRONG_PASSWORD}), 400, *INVALID_TOKEN)


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, {"token": "Field is required", "newPassword": "Field is required"}),
        ({"token": "t", "newPassword": "weak"}, {"newPassword": PASSWORD_POLICY_MESSAGE}),
        ({"token": "t", "newPassword": "Aa1!" + "b" * 125}, {"newPassword": PASSWORD_LENGTH_MESSAGE}),
        ({"token": "t", "newPassword": "P@ssw0rd"}, {"newPassword": PASSWORD_COMMON_MESSAGE}),
        ({"token": 1, "newPassword": STRONG_PASSWORD}, {"token": "Invalid value"}),
    ],
)
def test_reset_validation_comes_before_the_token(client, body, details):
    assert_validation(post(client, RESET, body), details)


def test_reset_token_is_never_logged(client, person, committed, caplog):
    caplog.set_level("DEBUG")
    with committed():
        post(client, FORGOT, {"email": "person@example.com"})
    token = reset_token_from_outbox()
    post(client, RESET, {"token": token, "newPassword": STRONG_PASSWORD})
    assert all(token not in record.getMessage() for record in caplog.records)
