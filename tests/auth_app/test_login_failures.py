"""Login failures as amended by docs/api.md §35 (§29.1): counted per account whatever identifier form
was typed, unknown identifiers per NFKC + casefold + trim, and counted *before* the password check
so that concurrent wrong attempts never exceed the limit.

Before §35 the count was per typed string (lower-cased): ten tries per form (e-mail, username,
phone), a fresh bucket for each Unicode case variant, and N concurrent attempts all passed the
check before any of them was counted."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import django_ratelimit.core
import pytest
from django.db import connection
from django.test import Client, override_settings

from auth_app.models import RoleName
from auth_app.services import sessions as session_services
from natjoub import ratelimit
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import assert_error

LOGIN = "/api/v1/auth/login"
LIMITED = ("RATE_LIMIT_EXCEEDED", "Too many requests. Please try again later.")
# per-client auth bucket out of the way: only the per-account limit is under test
LIMITS = {"RATE_LIMIT_ENABLED": True, "RATE_LIMIT_AUTH_PER_MINUTE": 10_000, "RATE_LIMIT_LOGIN_FAILURES": 10}


class FixedClock:
    """django-ratelimit's clock, fixed: every attempt of a test falls in one window."""

    def __init__(self, monkeypatch):
        self.now = time.time()
        monkeypatch.setattr(django_ratelimit.core, "time", self)

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _one_window(monkeypatch):
    FixedClock(monkeypatch)


def login(client, identifier: str, password: str):
    return client.post(LOGIN, {"identifier": identifier, "password": password}, content_type="application/json")


@pytest.fixture
def victim(db):
    return make_user(RoleName.SELLER, email="Victim@Example.com", username="victim_1", phone_number="+85570000001")


def test_identifier_normalisation():
    assert ratelimit.identifier_key("  ＧＨＯＳＴ@Example.COM\t") == "ghost@example.com"  # NFKC: full-width
    assert ratelimit.identifier_key("STRASSE") == ratelimit.identifier_key("straße")  # casefold, not lower
    assert ratelimit.identifier_key("\u212a") == "k"  # KELVIN SIGN
    assert ratelimit.failure_key("x", account_id="42") == "account:42"
    assert ratelimit.failure_key(" X ") == "identifier:x"


@pytest.mark.django_db
@override_settings(**LIMITS)
def test_failures_count_against_the_account_whatever_form_was_typed(client, victim):
    forms = ["Victim@Example.com", "victim@example.com", "victim_1", "+85570000001", "VICTIM@EXAMPLE.COM"]
    for n in range(10):
        assert login(client, forms[n % len(forms)], "wrong").status_code == 401
    for form in forms:  # the right password, any form: refused without checking it
        assert_error(login(client, form, DEFAULT_PASSWORD), 429, *LIMITED)
    other = make_user(RoleName.SELLER, email="other@example.com")
    assert login(client, other.credentials.email, DEFAULT_PASSWORD).status_code == 200


@pytest.mark.django_db
@override_settings(**LIMITS)
def test_unknown_identifiers_count_against_the_normalised_string(client):
    variants = ["ghost@example.com", " GHOST@example.com", "ＧＨＯＳＴ@ｅｘａｍｐｌｅ.com", "Ghost@Example.Com "]
    for n in range(10):
        assert login(client, variants[n % len(variants)], "wrong").status_code == 401
    for variant in variants:
        assert_error(login(client, variant, "wrong"), 429, *LIMITED)
    assert login(client, "someone-else@example.com", "wrong").status_code == 401


@pytest.mark.django_db
@override_settings(**{**LIMITS, "RATE_LIMIT_LOGIN_FAILURES": 3})
def test_a_successful_login_takes_its_attempt_back(client, victim):
    for _ in range(2):
        assert login(client, "victim_1", "wrong").status_code == 401
    for _ in range(5):  # counted before the password check, undone after it: no effect on the limit
        assert login(client, "victim_1", DEFAULT_PASSWORD).status_code == 200
    assert login(client, "victim_1", "wrong").status_code == 401  # the third failure
    assert_error(login(client, "victim_1", DEFAULT_PASSWORD), 429, *LIMITED)


@pytest.mark.django_db
@override_settings(**{**LIMITS, "RATE_LIMIT_LOGIN_FAILURES": 3})
def test_a_deactivated_account_with_the_right_password_is_not_a_failure(client):
    make_user(RoleName.SELLER, email="paused@example.com", is_active=False)
    for _ in range(5):
        assert login(client, "paused@example.com", DEFAULT_PASSWORD).status_code == 403
    assert login(client, "paused@example.com", "wrong").status_code == 401


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@override_settings(**LIMITS)
def test_concurrent_wrong_attempts_never_exceed_the_limit(monkeypatch):
    """25 threads, each on its own connection, try a wrong password at the same moment. The
    password check is slowed down so every attempt is in flight together: before §35 they all
    passed the limit check before any failure was recorded (25 × 401)."""
    make_user(RoleName.CUSTOMER, email="raced@example.com")
    real_check = session_services.check_password

    def slow_check(password, encoded):
        time.sleep(0.3)
        return real_check(password, encoded)

    monkeypatch.setattr(session_services, "check_password", slow_check)
    threads = 25
    barrier = threading.Barrier(threads)

    def attempt(n: int) -> int:
        try:
            barrier.wait(timeout=30)
            identifier = ["raced@example.com", "RACED@example.com"][n % 2]
            return login(Client(), identifier, "wrong").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        statuses = Counter(pool.map(attempt, range(threads)))
    assert statuses == {401: 10, 429: 15}
    assert_error(login(Client(), "raced@example.com", DEFAULT_PASSWORD), 429, *LIMITED)


@pytest.mark.django_db
@override_settings(**LIMITS)
def test_the_attempt_key_is_the_counter_django_ratelimit_increments():
    """``end_attempt_ok`` decrements the counter ``get_usage`` incremented (it rebuilds
    django-ratelimit's cache key: an upgrade that changes it must fail here)."""
    from django.core.cache import cache

    attempt = ratelimit.begin_attempt("identifier:probe")
    assert cache.get(attempt.cache_key) == 1
    ratelimit.begin_attempt("identifier:probe")
    assert cache.get(attempt.cache_key) == 2
    ratelimit.end_attempt_ok(attempt)
    assert cache.get(attempt.cache_key) == 1
