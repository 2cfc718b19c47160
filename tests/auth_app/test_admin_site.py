"""The accounts part of the back office (Django admin) and Django's auth framework."""

import pytest
from django.contrib.auth import authenticate

from auth_app.models import RefreshToken, RoleName, User
from auth_app.services.sessions import tokens_issue
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    admin = make_user(RoleName.ADMIN, email="boss@example.com", first_name="Bo", last_name="Boss")
    response = client.post("/admin/login/?next=/admin/", {"username": "BOSS@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return admin


def test_authenticate_by_email_any_case_only_for_right_password():
    user = make_user(RoleName.SELLER, email="Shop@Example.com")
    assert authenticate(username="shop@example.COM", password=DEFAULT_PASSWORD) == user
    assert authenticate(username="shop@example.com", password="wrong") is None
    assert authenticate(username="nobody@example.com", password=DEFAULT_PASSWORD) is None
    assert user.is_staff is False
    assert make_user(RoleName.ADMIN).is_staff is True


def test_only_admins_sign_in_to_the_admin(client):
    make_user(RoleName.SELLER, email="shop@example.com")
    response = client.post("/admin/login/", {"username": "shop@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert b"only active administrators can sign in" in response.content


def test_user_changelist_search_and_filters(client, staff):
    make_user(RoleName.CUSTOMER, email="findme@example.com", username="needle", phone_number="+15550009")
    for query in ("q=findme", "q=needle", "q=%2B15550009", "role__id__exact=33333333-3333-3333-3333-333333333333",
                  "is_active__exact=1", "credentials__is_verified__exact=1"):  # fmt: skip
        response = client.get(f"/admin/auth_app/user/?{query}")
        assert response.status_code == 200, query
        assert b"findme@example.com" in response.content, query


def test_user_change_page_never_shows_the_password_hash(client, staff):
    target = make_user(RoleName.CUSTOMER, email="c@example.com")
    response = client.get(f"/admin/auth_app/user/{target.pk}/change/")
    assert response.status_code == 200
    assert b"c@example.com" in response.content
    assert target.credentials.password.encode() not in response.content
    assert b"otp_hash" not in response.content


def test_deactivate_action_goes_through_the_service(client, staff):
    target = make_user(RoleName.SELLER)
    tokens_issue(user=target)
    response = client.post(
        "/admin/auth_app/user/", {"action": "deactivate_users", "_selected_action": [str(target.pk)]}, follow=True
    )
    assert response.status_code == 200
    assert User.objects.get(pk=target.pk).is_active is False
    assert not RefreshToken.objects.filter(user=target, is_revoked=False).exists()
    client.post("/admin/auth_app/user/", {"action": "activate_users", "_selected_action": [str(target.pk)]})
    assert User.objects.get(pk=target.pk).is_active is True


def test_deactivate_action_keeps_the_last_active_admin(client, staff):
    response = client.post(
        "/admin/auth_app/user/", {"action": "deactivate_users", "_selected_action": [str(staff.pk)]}, follow=True
    )
    assert b"Cannot deactivate or delete the last active admin" in response.content
    assert User.objects.get(pk=staff.pk).is_active is True


def test_roles_are_read_only(client, staff):
    assert client.get("/admin/auth_app/role/").status_code == 200
    assert client.get("/admin/auth_app/role/add/").status_code == 403


def test_refresh_tokens_revoke_action(client, staff):
    target = make_user(RoleName.CUSTOMER, email="t@example.com")
    tokens_issue(user=target)
    token = RefreshToken.objects.get(user=target)
    listing = client.get("/admin/auth_app/refreshtoken/?q=t@example.com")
    assert listing.status_code == 200
    assert token.token[:12].encode() in listing.content
    client.post("/admin/auth_app/refreshtoken/", {"action": "revoke_tokens", "_selected_action": [str(token.pk)]})
    token.refresh_from_db()
    assert token.is_revoked is True
    assert client.get("/admin/auth_app/refreshtoken/add/").status_code == 403
    assert client.get("/admin/auth_app/refreshtoken/?is_revoked__exact=1").status_code == 200
