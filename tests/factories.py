"""factory_boy factories; ``make_user`` gives a user with credentials and a role."""

from __future__ import annotations

import time
import uuid

import factory
from django.conf import settings
from django.contrib.auth.hashers import make_password

from auth_app.models import Credential, Role, RoleName, User

ROLE_IDS = {
    RoleName.ADMIN: "11111111-1111-1111-1111-111111111111",
    RoleName.SELLER: "22222222-2222-2222-2222-222222222222",
    RoleName.CUSTOMER: "33333333-3333-3333-3333-333333333333",
}
DEFAULT_PASSWORD = "Str0ng!Passw0rd"


def ensure_roles() -> None:
    """Roles come from a data migration; transactional tests flush them, so put them back."""
    Role.objects.bulk_create([Role(id=i, name=n) for n, i in ROLE_IDS.items()], ignore_conflicts=True)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = factory.LazyFunction(lambda: Role.objects.get(name=RoleName.CUSTOMER))
    is_active = True


class CredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Credential

    user = factory.SubFactory(UserFactory)
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.Sequence(lambda n: f"user_{n}")
    phone_number = None
    password = factory.LazyFunction(lambda: make_password(DEFAULT_PASSWORD))
    is_verified = True


def make_user(role_name: str = RoleName.CUSTOMER, *, password: str = DEFAULT_PASSWORD, **fields) -> User:
    """A user of ``role_name``; credential fields (email, username, phone_number, is_verified)
    and user fields (first_name, is_active, …) may be given."""
    credential_keys = {"email", "username", "phone_number", "is_verified"}
    credential_fields = {k: fields.pop(k) for k in list(fields) if k in credential_keys}
    user_fields = {f"user__{k}": v for k, v in fields.items()}
    credential = CredentialFactory(
        user__role=Role.objects.get(name=role_name),
        password=make_password(password),
        **credential_fields,
        **user_fields,
    )
    return credential.user


def access_claims(user, **overrides) -> dict:
    """The claims of a valid access token of ``user`` (contract §4.1); an override of ``...`` drops
    that claim."""
    now = int(time.time())
    claims = {
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        "user_id": str(user.pk),
        "role": user.role.name,
        "type": "access",
        "jti": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 900,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not ...}
