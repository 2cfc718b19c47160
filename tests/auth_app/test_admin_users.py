"""Admin user management: list, status, delete (docs/api.md §6.9–§6.11), and the back office's user
actions (activate, deactivate, send password reset, revoke all sessions) on the Django admin."""

import datetime as dt
import uuid

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework_simplejwt import tokens as simplejwt_tokens

from auth_app.models import PasswordResetToken, RefreshToken, RoleName, User
from auth_app.services.sessions import tokens_issue
from auth_app.tokens import issue_access_token
from tests.auth_app.conftest import STRONG_PASSWORD, assert_user_dto, post, put, reset_token_from_outbox
from tests.conftest import bearer_client
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import assert_error, assert_ok, assert_unauthorized, assert_validation

pytestmark = pytest.mark.django_db
USERS = "/api/v1/admin/auth/users"
LAST_ADMIN = ("LAST_ADMIN", "Cannot deactivate or delete the last active admin")


@pytest.fixture
def population(admin_user):
    """Users with distinct creation times (admin_user first)."""
    base = timezone.now()
    User.objects.filter(pk=admin_user.pk).update(created_at=base - dt.timedelta(days=10))
    specs = [
        (RoleName.SELLER, "Sally", "Market", "sally@shop.example.com", "sally_s", True, 9),
        (RoleName.CUSTOMER, "Bob", "Builder", "bob@example.com", "bobby", True, 8),
        (RoleName.CUSTOMER, "Carol", "Marketing", "carol@example.com", None, False, 7),
        (RoleName.SELLER, "Dan", "Smith", "dan@example.com", "dan_the_man", False, 6),
    ]
    users = [admin_user]
    for role, first, last, email, username, active, days in specs:
        user = make_user(role, first_name=first, last_name=last, email=email, username=username, is_active=active)
        User.objects.filter(pk=user.pk).update(created_at=base - dt.timedelta(days=days))
        users.append(user)
    return users


def ids(response) -> list[str]:
    return [row["id"] for row in response.json()["data"]]


def test_list_orders_by_created_at_then_id(admin_client, population):
    response = admin_client.get(USERS)
    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "Users retrieved successfully"
    assert ids(response) == [str(u.pk) for u in population]
    assert body["meta"] == {"total": 5, "limit": 100, "offset": 0, "page": 1, "pageSize": 100, "totalPages": 1}
    assert_user_dto(body["data"][1], population[1], role="seller", email="sally@shop.example.com", isActive=True)


def test_ties_on_created_at_break_by_id(admin_client, admin_user):
    moment = timezone.now()
    users = [make_user(RoleName.CUSTOMER) for _ in range(4)]
    User.objects.filter(pk__in=[u.pk for u in users]).update(created_at=moment)
    listed = ids(admin_client.get(USERS))
    assert listed[1:] == sorted(str(u.pk) for u in users)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("role=seller", [1, 4]),
        ("role=CUSTOMER", [2, 3]),
        ("role=Admin", [0]),
        ("isActive=false", [3, 4]),
        ("isActive=TRUE", [0, 1, 2]),
        ("role=customer&isActive=true", [2]),
        ("search=market", [1, 3]),
        ("search=SHOP", [1]),
        ("search=dan_the", [4]),
        ("search=bob", [2]),
        ("search=nomatch", []),
        ("role=&isActive=&search=", [0, 1, 2, 3, 4]),
        ("unknown=1", [0, 1, 2, 3, 4]),
    ],
)
def test_filters(admin_client, population, query, expected):
    response = admin_client.get(f"{USERS}?{query}")
    assert response.status_code == 200
    assert ids(response) == [str(population[i].pk) for i in expected]
    assert response.json()["meta"]["total"] == len(expected)


def test_pagination(admin_client, population):
    response = admin_client.get(f"{USERS}?limit=2&offset=2")
    assert ids(response) == [str(population[2].pk), str(population[3].pk)]
    assert response.json()["meta"] == {"total": 5, "limit": 2, "offset": 2, "page": 2, "pageSize": 2, "totalPages": 3}
    assert ids(admin_client.get(f"{USERS}?offset=50")) == []


@pytest.mark.parametrize("role", ["manager", "Sellers", "ADMINS"])
def test_unknown_role_filter(admin_client, role):
    assert_error(admin_client.get(f"{USERS}?role={role}"), 400, "INVALID_ROLE", f"Invalid role: {role}")


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ("isActive=yes", {"isActive": "Invalid value"}),
        ("limit=0", {"limit": "Must be an integer between 1 and 1000"}),
        ("limit=1001", {"limit": "Must be an integer between 1 and 1000"}),
        ("offset=-1", {"offset": "Must be a non-negative integer"}),
        ("isActive=1&limit=x&offset=y", {"isActive": "Invalid value", "limit": "Must be an integer between 1 and 1000",
                                         "offset": "Must be a non-negative integer"}),
    ],
)  # fmt: skip
def test_query_validation(admin_client, query, details):
    assert_validation(admin_client.get(f"{USERS}?{query}"), details)


def test_list_query_count_does_not_grow_with_page_size(admin_client, population, django_assert_num_queries):
    # rate limit + authentication + count + page (users, roles, credentials joined)
    with django_assert_num_queries(4):
        admin_client.get(f"{USERS}?limit=1")
    with django_assert_num_queries(4):
        admin_client.get(f"{USERS}?limit=1000")


# -- status -----------------------------------------------------------------------------------
def test_deactivate_then_activate(admin_client, client):
    target = make_user(RoleName.SELLER, email="s@example.com")
    tokens = tokens_issue(user=target)
    response = put(admin_client, f"{USERS}/{target.pk}/status", {"isActive": False})
    data = assert_ok(response, 200, "User status updated successfully")
    assert_user_dto(data["user"], target, isActive=False, role="seller")
    assert not RefreshToken.objects.filter(user=target, is_revoked=False).exists()
    assert_unauthorized(
        client.get("/api/v1/seller/auth/profile", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    )
    refreshed = post(client, "/api/v1/auth/refresh-token", {"refreshToken": tokens["refresh_token"]})
    assert refreshed.status_code == 401
    login = post(client, "/api/v1/auth/login", {"identifier": "s@example.com", "password": "Str0ng!Passw0rd"})
    assert login.status_code == 403
    response = put(admin_client, f"{USERS}/{target.pk}/status", {"isActive": True})
    assert assert_ok(response, 200, "User status updated successfully")["user"]["isActive"] is True
    assert (
        post(client, "/api/v1/auth/login", {"identifier": "s@example.com", "password": "Str0ng!Passw0rd"}).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, {"isActive": "Field is required"}),
        ({"isActive": None}, {"isActive": "Field is required"}),
        ({"isActive": "false"}, {"isActive": "Invalid value"}),
        ({"isActive": 0}, {"isActive": "Invalid value"}),
    ],
)
def test_status_validation(admin_client, admin_user, body, details):
    response = put(admin_client, f"{USERS}/{admin_user.pk}/status", body)
    assert_validation(response, details)


def test_status_of_unknown_user(admin_client):
    response = put(admin_client, f"{USERS}/{uuid.uuid4()}/status", {"isActive": False})
    assert_error(response, 404, "USER_NOT_FOUND", "User not found")


def test_bad_uuid_in_status_path(admin_client):
    response = put(admin_client, f"{USERS}/123/status", {"isActive": False})
    assert_error(response, 400, "BAD_REQUEST", "Invalid UUID: 123")


def test_last_active_admin_cannot_be_deactivated(admin_client, admin_user):
    make_user(RoleName.ADMIN, is_active=False)  # an inactive admin does not count
    response = put(admin_client, f"{USERS}/{admin_user.pk}/status", {"isActive": False})
    assert_error(response, 409, *LAST_ADMIN)
    assert User.objects.get(pk=admin_user.pk).is_active is True
    # re-activating the last admin is harmless
    assert put(admin_client, f"{USERS}/{admin_user.pk}/status", {"isActive": True}).status_code == 200


def test_admin_may_deactivate_itself_while_another_admin_is_active(admin_client, admin_user):
    other = make_user(RoleName.ADMIN)
    response = put(admin_client, f"{USERS}/{admin_user.pk}/status", {"isActive": False})
    assert response.status_code == 200
    assert_unauthorized(admin_client.get("/api/v1/admin/auth/profile"))
    # now `other` is the last active admin
    response = put(bearer_client(other), f"{USERS}/{other.pk}/status", {"isActive": False})
    assert_error(response, 409, *LAST_ADMIN)


# -- delete -----------------------------------------------------------------------------------
def test_delete_user_cascades(admin_client):
    target = make_user(RoleName.CUSTOMER)
    tokens_issue(user=target)
    response = admin_client.delete(f"{USERS}/{target.pk}")
    assert assert_ok(response, 200, "User deleted successfully") == {"message": "User deleted successfully"}
    assert not User.objects.filter(pk=target.pk).exists()
    assert not RefreshToken.objects.filter(user_id=target.pk).exists()
    assert_error(admin_client.delete(f"{USERS}/{target.pk}"), 404, "USER_NOT_FOUND", "User not found")


def test_last_active_admin_cannot_be_deleted(admin_client, admin_user):
    assert_error(admin_client.delete(f"{USERS}/{admin_user.pk}"), 409, *LAST_ADMIN)
    assert User.objects.filter(pk=admin_user.pk).exists()


def test_inactive_admin_can_be_deleted(admin_client):
    inactive = make_user(RoleName.ADMIN, is_active=False)
    assert admin_client.delete(f"{USERS}/{inactive.pk}").status_code == 200


def test_admin_can_delete_another_admin(admin_client):
    other = make_user(RoleName.ADMIN)
    assert admin_client.delete(f"{USERS}/{other.pk}").status_code == 200


# -- the back office (Django admin) actions ----------------------------------------------------
CHANGELIST = "/admin/auth_app/user/"


@pytest.fixture
def back_office(admin_user):
    """A Django test client signed in to the admin site as ``admin_user``."""
    client = Client()
    client.force_login(admin_user)
    return client


def run_action(client, action: str, users, **extra):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [str(u.pk) for u in users]}, follow=True, **extra
    )


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in response.context["messages"]]


def test_send_password_reset_action_mails_the_api_token(back_office, client, committed):
    active = [make_user(RoleName.SELLER, email="one@example.com"), make_user(email="two@example.com")]
    inactive = make_user(RoleName.CUSTOMER, email="off@example.com", is_active=False)
    with committed():
        response = run_action(back_office, "send_password_reset", [*active, inactive])
    assert response.status_code == 200
    assert messages_of(response) == [
        ("success", "Password reset e-mail sent to 2 user(s)."),
        ("warning", "1 inactive user(s) skipped: activate them first."),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["one@example.com", "two@example.com"]
    assert set(PasswordResetToken.objects.values_list("user_id", flat=True)) == {u.pk for u in active}
    # the mailed token is the API's: it resets the password through the API
    index = next(i for i, m in enumerate(mail.outbox) if m.to == ["one@example.com"])
    token = reset_token_from_outbox(index)
    body = {"token": token, "newPassword": STRONG_PASSWORD, "confirmPassword": STRONG_PASSWORD}
    assert post(client, "/api/v1/auth/reset-password", body).status_code == 200


def test_send_password_reset_action_sends_nothing_before_commit(back_office, django_capture_on_commit_callbacks):
    target = make_user(RoleName.SELLER)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run_action(back_office, "send_password_reset", [target])
    assert mail.outbox == []
    assert len(callbacks) == 2  # the e-mail (and its audit line) wait for the commit, as in the API
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_revoke_sessions_action_ends_tokens_and_admin_sessions(back_office, admin_user, client, monkeypatch):
    other_admin = make_user(RoleName.ADMIN, email="second@example.com")
    other_session = Client()
    other_session.force_login(other_admin)
    assert other_session.get("/admin/").status_code == 200
    seller = make_user(RoleName.SELLER)
    for user in (other_admin, seller, seller):
        tokens_issue(user=user)
    seller_access = issued_earlier(monkeypatch, seller)
    bystander = make_user(RoleName.CUSTOMER)
    bystander_tokens = tokens_issue(user=bystander)
    bystander_access = issued_earlier(monkeypatch, bystander)
    assert bearer_get(client, seller_access, "/api/v1/seller/auth/profile").status_code == 200

    response = run_action(back_office, "revoke_sessions", [other_admin, seller])
    assert messages_of(response)[0][1] == (
        "Sessions revoked for 2 user(s): 4 refresh token(s), 1 admin session(s); access tokens issued before now "
        "are refused."
    )
    assert not RefreshToken.objects.filter(user__in=[other_admin, seller], is_revoked=False).exists()
    assert bearer_get(client, seller_access, "/api/v1/seller/auth/profile").status_code == 401
    # other users keep their sessions
    assert bearer_get(client, bystander_access, "/api/v1/customer/auth/profile").status_code == 200
    refreshed = post(client, "/api/v1/auth/refresh-token", {"refreshToken": bystander_tokens["refresh_token"]})
    assert refreshed.status_code == 200
    # a token without sid (minted before sessions existed) is judged by iat, which has whole seconds:
    # one from the revocation's own second is refused (it may predate the revocation); one from the
    # next second on works
    revoked_at = timezone.now() - dt.timedelta(seconds=10)  # in the past, so "next second" is too
    User.objects.filter(pk=seller.pk).update(sessions_revoked_at=revoked_at)
    same_second = issued_at(monkeypatch, seller, revoked_at.replace(microsecond=999_999), sid=False)
    next_second = issued_at(monkeypatch, seller, revoked_at.replace(microsecond=0) + dt.timedelta(seconds=1), sid=False)
    assert bearer_get(client, same_second, "/api/v1/seller/auth/profile").status_code == 401
    assert bearer_get(client, next_second, "/api/v1/seller/auth/profile").status_code == 200
    # the other admin's browser session is gone; the acting admin's is not
    assert other_session.get("/admin/").status_code == 302
    assert back_office.get("/admin/").status_code == 200
    assert User.objects.get(pk=other_admin.pk).is_active is True  # signed out, not deactivated
    signed_in = other_session.post("/admin/login/", {"username": "second@example.com", "password": DEFAULT_PASSWORD})
    assert signed_in.status_code == 302  # they may sign in again
    assert other_session.get("/admin/").status_code == 200


def issued_earlier(monkeypatch, user, seconds: int = 5) -> str:
    """An access token of ``user`` as if issued ``seconds`` ago (``iat`` has whole seconds)."""
    return issued_at(monkeypatch, user, timezone.now() - dt.timedelta(seconds=seconds))


def issued_at(monkeypatch, user, when: dt.datetime, *, sid: bool = True) -> str:
    with monkeypatch.context() as patch:
        patch.setattr(simplejwt_tokens, "aware_utcnow", lambda: when)
        if not sid:
            return str(issue_access_token(user))
        return tokens_issue(user=user)["access_token"]


def bearer_get(client, token: str, path: str):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_revoke_sessions_of_oneself_signs_out(back_office, admin_user):
    tokens_issue(user=admin_user)
    response = back_office.post(CHANGELIST, {"action": "revoke_sessions", "_selected_action": [str(admin_user.pk)]})
    assert response.status_code == 302  # ending one's own session mid-request is no error
    assert not RefreshToken.objects.filter(user=admin_user, is_revoked=False).exists()
    assert back_office.get("/admin/").status_code == 302


def test_revoke_sessions_runs_in_one_transaction(back_office, monkeypatch):
    """A failure while ending admin sessions leaves every refresh token live."""
    from auth_app.services import revocation

    target = make_user(RoleName.SELLER)
    tokens_issue(user=target)

    def boom(user_ids):
        raise RuntimeError("session store down")

    monkeypatch.setattr(revocation, "_end_admin_sessions", boom)
    with pytest.raises(RuntimeError):
        revocation.user_sessions_revoke(user_ids=[target.pk])
    assert RefreshToken.objects.filter(user=target, is_revoked=False).count() == 1


def test_deactivate_action_ends_the_admin_session(back_office, admin_user):
    other_admin = make_user(RoleName.ADMIN)
    other_session = Client()
    other_session.force_login(other_admin)
    response = run_action(back_office, "deactivate_users", [other_admin])
    assert messages_of(response) == [("success", "1 user(s) deactivated.")]
    assert other_session.get("/admin/").status_code == 302


def test_deactivate_action_keeps_the_last_active_admin_among_several(back_office, admin_user):
    seller = make_user(RoleName.SELLER)
    response = run_action(back_office, "deactivate_users", [admin_user, seller])
    assert messages_of(response) == [
        ("success", "1 user(s) deactivated."),
        ("error", "Ada Admin: Cannot deactivate or delete the last active admin"),
    ]
    assert User.objects.get(pk=admin_user.pk).is_active is True
    assert User.objects.get(pk=seller.pk).is_active is False


def test_users_cannot_be_deleted_or_added_in_the_admin(back_office, admin_user):
    target = make_user(RoleName.CUSTOMER)
    choices = dict(back_office.get(CHANGELIST).context["action_form"].fields["action"].choices)
    assert "delete_selected" not in choices
    assert back_office.get(f"{CHANGELIST}{target.pk}/delete/").status_code == 403
    assert back_office.post(f"{CHANGELIST}{target.pk}/delete/", {"post": "yes"}).status_code == 403
    assert back_office.post(f"{CHANGELIST}{admin_user.pk}/delete/", {"post": "yes"}).status_code == 403
    response = back_office.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [str(target.pk)]})
    assert response.status_code == 302  # unknown action: nothing happens
    assert User.objects.filter(pk__in=[target.pk, admin_user.pk]).count() == 2
    assert back_office.get(f"{CHANGELIST}add/").status_code == 403


def test_changelist_offers_the_account_actions(back_office):
    choices = dict(back_office.get(CHANGELIST).context["action_form"].fields["action"].choices)
    assert {"activate_users", "deactivate_users", "send_password_reset", "revoke_sessions"} <= set(choices)


def test_django_groups_are_not_offered(back_office):
    """Roles decide access; the unused Django groups changelist is not registered."""
    response = back_office.get("/admin/auth/group/")
    assert response.status_code == 404
