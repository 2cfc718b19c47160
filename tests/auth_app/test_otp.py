"""POST /api/v1/auth/verify-otp and /resend-otp (docs/api.md §6.3, §6.4, §7)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from auth_app.models import Credential
from auth_app.otp import generate_otp, otp_hash
from tests.auth_app.conftest import otp_from_outbox, post, register_body
from tests.factories import make_user
from tests.helpers import assert_error, assert_ok, assert_validation

pytestmark = pytest.mark.django_db
VERIFY = "/api/v1/auth/verify-otp"
RESEND = "/api/v1/auth/resend-otp"
INVALID = ("INVALID_OTP", "Invalid or expired OTP")
TOO_MANY = ("INVALID_OTP", "Too many failed attempts. Please request a new OTP.")


@pytest.fixture
def registered(client, committed):
    with committed():
        assert client.post("/api/v1/auth/register", register_body(), content_type="application/json").status_code == 201
    return otp_from_outbox()


def credential() -> Credential:
    return Credential.objects.get(email="john@example.com")


@pytest.mark.parametrize("identifier", ["john@example.com", "JOHN@EXAMPLE.COM", "johndoe", "+1234567890"])
def test_verify_with_the_mailed_code(client, registered, identifier):
    response = post(client, VERIFY, {"identifier": identifier, "otp": registered})
    assert assert_ok(response, 200, "OTP verified successfully") == {"message": "Account verified successfully"}
    row = credential()
    assert row.is_verified is True
    assert (row.otp_hash, row.otp_expiry, row.otp_attempts) == (None, None, 0)


def test_otp_is_single_use(client, registered):
    post(client, VERIFY, {"identifier": "johndoe", "otp": registered})
    assert_error(post(client, VERIFY, {"identifier": "johndoe", "otp": registered}), 400, *INVALID)


def test_unknown_identifier_is_404(client):
    response = post(client, VERIFY, {"identifier": "nobody", "otp": "123456"})
    assert_error(response, 404, "USER_NOT_FOUND", "User not found")


@pytest.mark.parametrize("wrong", ["000000x", "12345", "abcdef", "1234567", "٠١٢٣٤٥"])
def test_wrong_codes_of_any_shape_count_as_attempts(client, registered, wrong):
    assert_error(post(client, VERIFY, {"identifier": "johndoe", "otp": wrong}), 400, *INVALID)
    assert credential().otp_attempts == 1


def test_fifth_wrong_attempt_invalidates_the_code(client, registered):
    wrong = "000000" if registered != "000000" else "111111"
    for attempt in range(1, 5):
        assert_error(post(client, VERIFY, {"identifier": "johndoe", "otp": wrong}), 400, *INVALID)
        assert credential().otp_attempts == attempt
    assert_error(post(client, VERIFY, {"identifier": "johndoe", "otp": wrong}), 400, *TOO_MANY)
    row = credential()
    assert row.otp_attempts == 5
    assert row.otp_hash is None
    # even the right code is refused now (step 2 comes before the comparison)
    assert_error(post(client, VERIFY, {"identifier": "johndoe", "otp": registered}), 400, *TOO_MANY)
    assert credential().is_verified is False


def test_expired_code_is_refused(client, registered):
    Credential.objects.update(otp_expiry=timezone.now() - timedelta(seconds=1))
    assert_error(post(client, VERIFY, {"identifier": "johndoe", "otp": registered}), 400, *INVALID)
    assert credential().otp_attempts == 0  # step 3 does not count an attempt


def test_no_code_stored_is_invalid(client):
    make_user(email="plain@example.com", is_verified=False)
    assert_error(post(client, VERIFY, {"identifier": "plain@example.com", "otp": "123456"}), 400, *INVALID)


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, {"identifier": "Field is required", "otp": "Field is required"}),
        ({"identifier": "x", "otp": 123456}, {"otp": "Invalid value"}),
        ({"identifier": ["x"], "otp": "1"}, {"identifier": "Invalid value"}),
    ],
)
def test_verify_validation(client, body, details):
    assert_validation(post(client, VERIFY, body), details)


def test_resend_within_a_minute_of_registration_is_429(client, registered):
    response = post(client, RESEND, {"identifier": "johndoe"})
    assert_error(response, 429, "OTP_RESEND_TOO_SOON", "Please wait before requesting a new OTP")
    assert 58 <= int(response["Retry-After"]) <= 60


def test_resend_retry_after_counts_down(client, registered):
    Credential.objects.update(otp_sent_at=timezone.now() - timedelta(seconds=59.5))
    response = post(client, RESEND, {"identifier": "johndoe"})
    assert response.status_code == 429
    assert response["Retry-After"] == "1"


def test_resend_after_the_cooldown_replaces_the_code(client, registered, committed):
    Credential.objects.update(otp_sent_at=timezone.now() - timedelta(seconds=61), otp_attempts=5, otp_hash=None)
    with committed():
        response = post(client, RESEND, {"identifier": "+1234567890"})
    assert assert_ok(response, 200, "OTP sent successfully") == {"message": "OTP sent successfully"}
    new_code = otp_from_outbox()
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["john@example.com"]
    row = credential()
    assert row.otp_attempts == 0
    assert row.otp_hash == otp_hash(new_code)
    assert timedelta(minutes=9, seconds=50) < row.otp_expiry - timezone.now() <= timedelta(minutes=10)
    if new_code != registered:
        assert_error(post(client, VERIFY, {"identifier": "johndoe", "otp": registered}), 400, *INVALID)
    assert post(client, VERIFY, {"identifier": "johndoe", "otp": new_code}).status_code == 200


def test_resend_works_for_verified_accounts(client, committed):
    make_user(email="done@example.com", is_verified=True)
    with committed():
        assert post(client, RESEND, {"identifier": "done@example.com"}).status_code == 200
    otp_from_outbox()


def test_resend_unknown_identifier_is_404(client):
    assert_error(post(client, RESEND, {"identifier": "ghost"}), 404, "USER_NOT_FOUND", "User not found")


def test_resend_requires_identifier(client):
    response = post(client, RESEND, {})
    assert_validation(response, {"identifier": "Field is required"})


def test_codes_are_six_digits_and_vary():
    codes = {generate_otp() for _ in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 190


def test_otp_hash_is_hmac_sha256_of_the_jwt_secret(settings):
    import hashlib
    import hmac

    expected = hmac.new(settings.JWT_SECRET.encode(), b"042917", hashlib.sha256).hexdigest()
    assert otp_hash("042917") == expected
