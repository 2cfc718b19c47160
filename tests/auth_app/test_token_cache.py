"""The per-process cache of validated access tokens (auth_app/authentication.py ValidatedTokens):
it saves the JWT decode of a token already seen, never a check of the user or its session."""

import threading
import time
import types

import pytest
from django.test import override_settings

from auth_app import authentication
from auth_app.authentication import VALIDATED_TOKENS, ValidatedTokens
from auth_app.models import RoleName, User
from auth_app.tokens import AccessToken
from tests.auth_app.conftest import bearer, post
from tests.auth_app.test_tokens import forge
from tests.factories import DEFAULT_PASSWORD, access_claims, make_user
from tests.helpers import assert_unauthorized

pytestmark = pytest.mark.django_db
PROFILE = "/api/v1/customer/auth/profile"


@pytest.fixture
def customer(db):
    return make_user(RoleName.CUSTOMER, email="cache@example.com", username="cache")


@pytest.fixture(autouse=True)
def empty_cache():
    VALIDATED_TOKENS.clear()
    yield
    VALIDATED_TOKENS.clear()


def login(client) -> dict:
    return post(client, "/api/v1/auth/login", {"identifier": "cache", "password": DEFAULT_PASSWORD}).json()["data"]


def test_a_validated_token_is_cached_and_served_from_the_cache(client, customer, monkeypatch):
    token = login(client)["accessToken"]
    assert client.get(PROFILE, **bearer(token)).status_code == 200
    assert token in VALIDATED_TOKENS._entries

    def no_decode(*args, **kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(authentication, "AccessToken", no_decode)
    assert client.get(PROFILE, **bearer(token)).status_code == 200


def test_an_expired_cached_token_is_refused(client, customer):
    # a token validated while it was valid, whose exp has passed since
    now = int(time.time())
    token = forge(access_claims(customer, iat=now - 1000, exp=now - 1))
    VALIDATED_TOKENS.put(token, AccessToken(token, verify=False))
    assert token in VALIDATED_TOKENS._entries
    assert_unauthorized(client.get(PROFILE, **bearer(token)))
    assert token not in VALIDATED_TOKENS._entries


def test_a_cached_token_is_judged_by_the_cache_clock(client, customer, monkeypatch):
    claims = access_claims(customer)
    token = forge(claims)
    assert client.get(PROFILE, **bearer(token)).status_code == 200
    monkeypatch.setattr(authentication, "time", types.SimpleNamespace(time=lambda: claims["exp"]))
    assert VALIDATED_TOKENS.get(token) is None  # exp <= now: expired, as PyJWT has it
    assert token not in VALIDATED_TOKENS._entries


def test_a_token_of_a_revoked_session_is_refused_although_cached(client, customer):
    token = login(client)["accessToken"]
    assert client.get(PROFILE, **bearer(token)).status_code == 200
    assert post(client, "/api/v1/customer/auth/logout", **bearer(token)).status_code == 200
    assert token in VALIDATED_TOKENS._entries  # still cached: the session check refuses it
    assert_unauthorized(client.get(PROFILE, **bearer(token)))


def test_a_cached_token_of_a_deactivated_user_is_refused(client, customer):
    token = login(client)["accessToken"]
    assert client.get(PROFILE, **bearer(token)).status_code == 200
    User.objects.filter(pk=customer.pk).update(is_active=False)
    assert_unauthorized(client.get(PROFILE, **bearer(token)))


def test_invalid_tokens_are_not_cached(client, customer):
    for token in (forge(access_claims(customer), key="not-the-secret" * 4), "not.a.jwt"):
        assert_unauthorized(client.get(PROFILE, **bearer(token)))
    assert len(VALIDATED_TOKENS) == 0


def test_a_jwt_setting_change_empties_the_cache(client, customer):
    token = login(client)["accessToken"]
    assert client.get(PROFILE, **bearer(token)).status_code == 200
    with override_settings(JWT_AUDIENCE="https://elsewhere.example/api"):
        assert len(VALIDATED_TOKENS) == 0
        assert_unauthorized(client.get(PROFILE, **bearer(token)))


def _token(user, exp: int) -> tuple[str, AccessToken]:
    raw = forge(access_claims(user, exp=exp))
    return raw, AccessToken(raw)


def test_the_cache_is_bounded_and_drops_expired_entries_first(customer, monkeypatch):
    cache = ValidatedTokens(size=3)
    now = int(time.time())
    tokens = [_token(customer, now + 900 + index) for index in range(5)]
    for raw, token in tokens:
        cache.put(raw, token)
    assert len(cache) == 3
    assert [raw for raw, _ in tokens[:2]] == [raw for raw, _ in tokens[:2] if cache.get(raw) is None]
    assert all(cache.get(raw) is token for raw, token in tokens[2:])

    # when full, an expired entry is dropped before the oldest live one
    clock = types.SimpleNamespace(time=lambda: now + 902.5)  # tokens[2] (exp now+902) has expired
    monkeypatch.setattr(authentication, "time", clock)
    newest = _token(customer, now + 2000)
    cache.put(*newest)
    assert len(cache) == 3
    assert cache.get(tokens[3][0]) is tokens[3][1]
    assert cache.get(newest[0]) is newest[1]
    assert cache.get(tokens[2][0]) is None


def test_a_full_cache_drops_its_oldest_eighth_at_once(customer):
    cache = ValidatedTokens(size=16)
    now = int(time.time())
    tokens = [_token(customer, now + 900 + index) for index in range(17)]
    for raw, token in tokens:
        cache.put(raw, token)
    assert len(cache) == 15  # the 17th put found 16 live entries: the 2 oldest went
    assert cache.get(tokens[0][0]) is None
    assert cache.get(tokens[1][0]) is None
    assert all(cache.get(raw) is token for raw, token in tokens[2:])


def test_concurrent_puts_and_expiring_gets(customer, monkeypatch):
    cache = ValidatedTokens(size=8)
    now = int(time.time())
    tokens = [_token(customer, now + 1 + index % 3) for index in range(40)]
    clock = types.SimpleNamespace(time=lambda: now + 2.5)  # a third of them live
    monkeypatch.setattr(authentication, "time", clock)
    failures = []

    def work(offset: int) -> None:
        try:
            for round_ in range(50):
                raw, token = tokens[(offset + round_) % len(tokens)]
                cache.put(raw, token)
                cache.get(tokens[(offset * 7 + round_) % len(tokens)][0])
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(cache) <= 8
