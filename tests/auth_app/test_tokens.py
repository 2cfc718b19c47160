"""JWT claims (docs/api.md §4.1), bearer validation (§4.2) and refresh rotation (§6.8)."""

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from django.conf import settings

from auth_app.models import RefreshToken, RoleName, Session, TokenBlacklist, User
from auth_app.services.sessions import tokens_issue
from auth_app.tokens import sha256_hex
from tests.auth_app.conftest import post
from tests.factories import DEFAULT_PASSWORD, access_claims, make_user
from tests.helpers import assert_error, assert_ok, assert_unauthorized, assert_validation

pytestmark = pytest.mark.django_db
REFRESH = "/api/v1/auth/refresh-token"
PROFILE = "/api/v1/customer/auth/profile"
INVALID = ("INVALID_REFRESH_TOKEN", "Invalid or revoked refresh token")
REVOKED = ("INVALID_REFRESH_TOKEN", "Refresh token has been revoked")


def decode(token: str) -> dict:
    return jwt.decode(
        token,
        settings.JWT_SECRET,
        algorithms=["HS256"],
        audience=settings.JWT_AUDIENCE,
        issuer=settings.JWT_ISSUER,
    )


def forge(claims: dict, *, key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key if key is not None else settings.JWT_SECRET, algorithm=algorithm)


@pytest.fixture
def customer(db):
    return make_user(RoleName.CUSTOMER, email="cust@example.com", username="cust")


def login(client, identifier="cust") -> dict:
    return post(client, "/api/v1/auth/login", {"identifier": identifier, "password": DEFAULT_PASSWORD}).json()["data"]


# -- claims ------------------------------------------------------------------------------------
def test_issued_tokens_carry_exactly_the_contract_claims(client, customer):
    data = login(client)
    access, refresh = decode(data["accessToken"]), decode(data["refreshToken"])
    assert set(access) == {"iss", "aud", "user_id", "sid", "role", "type", "jti", "iat", "exp"}
    assert set(refresh) == {"iss", "aud", "user_id", "sid", "type", "jti", "iat", "exp"}
    assert access["sid"] == refresh["sid"]
    assert Session.objects.get(pk=access["sid"]).user_id == customer.pk
    for claims in (access, refresh):
        assert claims["iss"] == "http://0.0.0.0:8080/"
        assert claims["aud"] == "http://0.0.0.0:8080/api"
        assert claims["user_id"] == str(customer.pk)
        assert uuid.UUID(claims["jti"]).version == 4
        assert isinstance(claims["iat"], int)
        assert abs(claims["iat"] - time.time()) < 10
    assert access["role"] == "customer"
    assert (access["type"], refresh["type"]) == ("access", "refresh")
    assert access["exp"] - access["iat"] == 900
    assert refresh["exp"] - refresh["iat"] == 604800
    assert access["jti"] != refresh["jti"]
    header = jwt.get_unverified_header(data["accessToken"])
    assert header == {"alg": "HS256", "typ": "JWT"}
    stored = RefreshToken.objects.get(token=sha256_hex(data["refreshToken"]))
    assert stored.expires_at == datetime.fromtimestamp(refresh["exp"], UTC)


def test_two_tokens_in_the_same_second_differ(client, customer):
    first, second = tokens_issue(user=customer), tokens_issue(user=customer)
    assert first["access_token"] != second["access_token"]
    assert first["refresh_token"] != second["refresh_token"]


# -- hostile bearer tokens ---------------------------------------------------------------------
def hostile_tokens(user) -> dict[str, str]:
    return {
        "alg none": _none_token(access_claims(user)),
        "HS512": forge(access_claims(user), algorithm="HS512"),
        "wrong key": forge(access_claims(user), key="not-the-secret" * 4),
        "wrong iss": forge(access_claims(user, iss="https://evil.example/")),
        "wrong aud": forge(access_claims(user, aud="https://evil.example/api")),
        "aud list": forge(access_claims(user, aud=[settings.JWT_AUDIENCE, "other"])),
        "no iss": forge(access_claims(user, iss=...)),
        "no aud": forge(access_claims(user, aud=...)),
        "no jti": forge(access_claims(user, jti=...)),
        "no exp": forge(access_claims(user, exp=...)),
        "expired": forge(access_claims(user, iat=int(time.time()) - 1000, exp=int(time.time()) - 1)),
        "refresh type": forge(access_claims(user, type="refresh", role=...)),
        "no type": forge(access_claims(user, type=...)),
        "bad user id": forge(access_claims(user, user_id="not-a-uuid")),
        "unknown user": forge(access_claims(user, user_id=str(uuid.uuid4()))),
        "garbage": "not.a.jwt",
        "empty segments": "..",
    }


def _none_token(claims: dict) -> str:
    def b64(obj) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


def test_hostile_tokens_are_401_with_www_authenticate(client, customer):
    for name, token in hostile_tokens(customer).items():
        response = client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 401, name
        assert_unauthorized(response)


def test_a_forged_token_with_the_right_claims_is_accepted(client, customer):
    """Control for the hostile cases: the forging helper itself produces valid tokens."""
    response = client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {forge(access_claims(customer))}")
    assert response.status_code == 200


def test_refresh_token_is_not_a_bearer_token(client, customer):
    data = login(client)
    assert_unauthorized(client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {data['refreshToken']}"))


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Basic dXNlcjpwYXNz", "Token abc", "Bearer a b", "Bearer  "],
)
def test_missing_or_malformed_headers(client, customer, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    assert_unauthorized(client.get(PROFILE, **extra))


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "bEaReR"])
def test_scheme_is_case_insensitive(client, customer, scheme):
    data = login(client)
    assert client.get(PROFILE, HTTP_AUTHORIZATION=f"{scheme} {data['accessToken']}").status_code == 200


def test_blacklisted_deleted_and_deactivated(client, customer):
    data = login(client)
    header = {"HTTP_AUTHORIZATION": f"Bearer {data['accessToken']}"}
    jti = decode(data["accessToken"])["jti"]
    TokenBlacklist.objects.create(jti=jti, expires_at=datetime.now(UTC) + timedelta(minutes=15))
    assert_unauthorized(client.get(PROFILE, **header))
    TokenBlacklist.objects.all().delete()
    assert client.get(PROFILE, **header).status_code == 200
    User.objects.filter(pk=customer.pk).update(is_active=False)
    assert_unauthorized(client.get(PROFILE, **header))
    User.objects.filter(pk=customer.pk).delete()
    assert_unauthorized(client.get(PROFILE, **header))


def test_authentication_costs_at_most_two_queries(client, customer, django_assert_max_num_queries):
    header = {"HTTP_AUTHORIZATION": f"Bearer {login(client)['accessToken']}"}
    # 1 rate-limit counter (middleware) + 1 authentication (user, role, credentials, blacklist)
    with django_assert_max_num_queries(2):
        assert client.get(PROFILE, **header).status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get("/api/v1/seller/auth/dashboard", **header).status_code == 403


# -- refresh rotation --------------------------------------------------------------------------
def test_refresh_rotates(client, customer):
    data = login(client)
    response = post(client, REFRESH, {"refreshToken": data["refreshToken"]})
    tokens = assert_ok(response, 200, "Token refreshed successfully")
    assert list(tokens) == ["accessToken", "refreshToken", "expiresIn"]
    assert tokens["expiresIn"] == 900
    assert tokens["refreshToken"] != data["refreshToken"]
    assert decode(tokens["accessToken"])["role"] == "customer"
    assert RefreshToken.objects.get(token=sha256_hex(data["refreshToken"])).is_revoked is True
    assert RefreshToken.objects.get(token=sha256_hex(tokens["refreshToken"])).is_revoked is False
    assert client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {tokens['accessToken']}").status_code == 200


def test_role_is_read_from_the_database_on_refresh(client, customer):
    from auth_app.models import Role

    data = login(client)
    User.objects.filter(pk=customer.pk).update(role=Role.objects.get(name="seller"))
    tokens = post(client, REFRESH, {"refreshToken": data["refreshToken"]}).json()["data"]
    assert decode(tokens["accessToken"])["role"] == "seller"


def test_reusing_a_rotated_token_revokes_its_session(client, customer):
    first = login(client)
    other_device = login(client)
    rotated = post(client, REFRESH, {"refreshToken": first["refreshToken"]}).json()["data"]
    assert_error(post(client, REFRESH, {"refreshToken": first["refreshToken"]}), 401, *REVOKED)
    live = RefreshToken.objects.filter(user=customer, is_revoked=False)
    assert list(live.values_list("token", flat=True)) == [sha256_hex(other_device["refreshToken"])]
    assert_error(post(client, REFRESH, {"refreshToken": rotated["refreshToken"]}), 401, *REVOKED)
    assert post(client, REFRESH, {"refreshToken": other_device["refreshToken"]}).status_code == 200  # §35


def test_access_token_as_refresh_token(client, customer):
    data = login(client)
    assert_error(post(client, REFRESH, {"refreshToken": data["accessToken"]}), 401, *INVALID)


def test_valid_jwt_that_was_never_stored(client, customer):
    now = int(time.time())
    claims = {**access_claims(customer, role=..., type="refresh"), "exp": now + 604800}
    assert_error(post(client, REFRESH, {"refreshToken": forge(claims)}), 401, *INVALID)


@pytest.mark.parametrize("case", ["garbage", "wrong key", "expired", "wrong iss", "wrong aud", "no user", "HS384"])
def test_refresh_signature_and_claim_failures(client, customer, case):
    now = int(time.time())
    claims = {**access_claims(customer, role=..., type="refresh"), "exp": now + 3600}
    token = {
        "garbage": "abc",
        "wrong key": forge(claims, key="x" * 64),
        "expired": forge({**claims, "exp": now - 1}),
        "wrong iss": forge({**claims, "iss": "https://evil/"}),
        "wrong aud": forge({**claims, "aud": "https://evil/api"}),
        "no user": forge({k: v for k, v in claims.items() if k != "user_id"}),
        "HS384": forge(claims, algorithm="HS384"),
    }[case]
    assert_error(post(client, REFRESH, {"refreshToken": token}), 401, *INVALID)


def test_expired_stored_refresh_token(client, customer, monkeypatch):
    data = login(client)
    later = time.time() + 604800 + 5
    monkeypatch.setattr("rest_framework_simplejwt.tokens.aware_utcnow", lambda: datetime.fromtimestamp(later, UTC))
    assert_error(post(client, REFRESH, {"refreshToken": data["refreshToken"]}), 401, *INVALID)


def test_refresh_of_a_deactivated_user_is_403(client, customer):
    data = login(client)
    User.objects.filter(pk=customer.pk).update(is_active=False)  # bypassing the service: tokens stay live
    response = post(client, REFRESH, {"refreshToken": data["refreshToken"]})
    assert_error(response, 403, "ACCOUNT_DEACTIVATED", "Account has been deactivated")


def test_refresh_of_a_deleted_user(client, customer):
    data = login(client)
    User.objects.filter(pk=customer.pk).delete()
    assert_error(post(client, REFRESH, {"refreshToken": data["refreshToken"]}), 401, *INVALID)


@pytest.mark.parametrize(
    ("body", "details"),
    [({}, {"refreshToken": "Field is required"}), ({"refreshToken": 1}, {"refreshToken": "Invalid value"})],
)
def test_refresh_validation(client, body, details):
    assert_validation(post(client, REFRESH, body), details)


def test_no_raw_token_is_stored(client, customer):
    data = login(client)
    hashes = set(RefreshToken.objects.values_list("token", flat=True))
    assert data["refreshToken"] not in hashes
    assert sha256_hex(data["refreshToken"]) in hashes
