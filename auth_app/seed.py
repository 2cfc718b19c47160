"""Demo accounts of docs/api.md §23 and §34 (idempotent; matched by fixed id). Used by `manage.py seed_demo`."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.db import transaction

from auth_app.models import Credential, Role, RoleName, User

ROLE_IDS = {
    RoleName.ADMIN: "11111111-1111-1111-1111-111111111111",
    RoleName.SELLER: "22222222-2222-2222-2222-222222222222",
    RoleName.CUSTOMER: "33333333-3333-3333-3333-333333333333",
}
ADMIN_ID = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
DEMO_USERS = [
    # id, first, last, dob, gender, role, email, username, phone, password
    (ADMIN_ID, "System", "Admin", dt.date(1990, 1, 1), "male", RoleName.ADMIN,
     "admin@example.com", "admin", "0123456789", "admin123"),
    ("bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb", "John", "Seller", dt.date(1995, 5, 10), "male", RoleName.SELLER,
     "seller@example.com", "seller1", "0987654321", "seller123"),
    ("cccccccc-cccc-cccc-cccc-cccccccccccc", "Alice", "Customer", dt.date(2005, 3, 15), "female", RoleName.CUSTOMER,
     "customer1@example.com", "customer1", "0112233445", "customer123"),
    # §34: a second seller (the inventory seed assigns her to ST-DT only)
    ("dddddddd-dddd-dddd-dddd-dddddddddddd", "Dara", "Seller", dt.date(1996, 7, 20), "female", RoleName.SELLER,
     "seller2@example.com", "seller2", "0987654322", "seller123"),
]  # fmt: skip


@transaction.atomic
def seed_demo_users() -> tuple[int, User]:
    """Create the roles and the demo users where missing. Returns (users created, admin).

    Seeded passwords and phone numbers deliberately bypass the registration rules (§23).
    """
    for name, role_id in ROLE_IDS.items():
        Role.objects.get_or_create(name=name, defaults={"id": role_id})
    roles = {role.name: role for role in Role.objects.all()}
    created = 0
    for user_id, first, last, dob, gender, role, email, username, phone, password in DEMO_USERS:
        if User.objects.filter(pk=user_id).exists():
            continue
        user = User.objects.create(
            id=user_id, first_name=first, last_name=last, dob=dob, gender=gender, role=roles[role], is_active=True
        )
        Credential.objects.create(
            user=user,
            email=email,
            username=username,
            phone_number=phone,
            password=make_password(password),
            is_verified=True,
        )
        created += 1
    return created, User.objects.get(pk=ADMIN_ID)


def demo_seeder(ctx) -> list[str]:
    """The accounts part of ``seed_demo``; hands the admin's id on to the other apps' seeders."""
    created, admin = seed_demo_users()
    ctx.values["admin_id"] = admin.pk
    return [f"Users created: {created}"]
