"""auth_app.directory: the façade other apps use for users (docs/architecture.md §6)."""

import pytest

from auth_app import directory
from auth_app.models import RoleName
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_role_enum_matches_the_roles_table():
    assert {role.value for role in directory.Role} == set(RoleName.values)


def test_user_facts_and_missing_users():
    seller = make_user(RoleName.SELLER, email="b-seller@example.com", first_name="Bo", last_name="Sell")
    user = directory.get_user(seller.pk)
    assert (user.email, user.full_name, user.role, user.is_active) == (
        "b-seller@example.com",
        "Bo Sell",
        directory.Role.SELLER,
        True,
    )
    assert directory.role_of(seller.pk) is directory.Role.SELLER
    missing = "00000000-0000-0000-0000-00000000dead"
    assert directory.find_user(missing) is None
    assert directory.role_of(missing) is None
    with pytest.raises(directory.UserNotFound):
        directory.get_user(missing)


def test_emails_and_sellers_filter_by_role_and_activity():
    make_user(RoleName.ADMIN, email="z-admin@example.com")
    make_user(RoleName.ADMIN, email="gone-admin@example.com", is_active=False)
    second = make_user(RoleName.SELLER, email="a@example.com")
    first = make_user(RoleName.SELLER, email="B@example.com")  # "B" < "a" by code point, not by collation
    make_user(RoleName.CUSTOMER, email="c@example.com")
    assert "z-admin@example.com" in directory.emails(role=directory.Role.ADMIN)
    assert "gone-admin@example.com" not in directory.emails(role=directory.Role.ADMIN)
    assert [u.id for u in directory.sellers(user_ids=[second.pk, first.pk])] == [first.pk, second.pk]


def test_deleting_a_user_tells_the_other_apps_inside_the_transaction():
    from auth_app.services import user_delete

    customer = make_user(RoleName.CUSTOMER)
    seen = []

    def receiver(sender, *, user_id, role, actor_id, **kwargs):
        from auth_app.models import User

        seen.append((user_id, role, User.objects.filter(pk=user_id).exists()))

    directory.user_deleting.connect(receiver)
    try:
        user_delete(user_id=customer.pk)
    finally:
        directory.user_deleting.disconnect(receiver)
    assert seen == [(customer.pk, directory.Role.CUSTOMER, True)]
