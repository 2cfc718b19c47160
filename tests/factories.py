"""factory_boy factories and the short helpers built on them: ``make_user`` gives a user with
credentials and a role; ``make_branch``, ``make_category``, ``make_item`` and ``stock`` give
inventory rows (``stock`` with its opening IN movement, so the ledger invariant holds)."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import factory
from django.conf import settings
from django.contrib.auth.hashers import make_password

from auth_app.models import Credential, Role, RoleName, User
from inventory_app.models import Branch, Category, InventoryItem, MovementType, StockLevel, StockMovement
from inventory_app.services.alerts import alerts_sync

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


def make_seller(*, every_branch: bool = True, branches=(), **fields) -> User:
    """A seller (docs/api.md §36): with an all-branches grant by default; ``every_branch=False``
    and ``branches``: assigned to those branches only (none: a seller without access)."""
    from inventory_app.models import BranchAssignment, SellerGrant

    user = make_user(RoleName.SELLER, **fields)
    if every_branch:
        SellerGrant.objects.create(user=user)
    for branch in branches:
        BranchAssignment.objects.create(user=user, branch=branch)
    return user


def access_claims(user, **overrides) -> dict:
    """The claims of a valid access token of ``user`` (docs/api.md §4.1); an override of ``...`` drops
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


# -- inventory --------------------------------------------------------------------------------
class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    code = factory.Sequence(lambda n: f"BR-{n:04d}")
    name = factory.LazyAttribute(lambda branch: f"Branch {branch.code}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n:04d}")
    parent_category = None


class InventoryItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InventoryItem

    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.LazyAttribute(lambda item: f"Item {item.sku}")
    category = None
    unit_of_measure = "piece"
    unit_price = Decimal("10.00")


class StockLevelFactory(factory.django.DjangoModelFactory):
    """A stock row; when it is saved with a quantity, its opening IN movement is written too (its
    ``to_balance_after`` the quantity), so that quantity = signed sum of the movements of its
    (item, branch) and the balance chain holds, as the services keep them; and the stock alert the
    row calls for is opened (without e-mail). (``build()`` writes nothing: a built row is the
    caller's to save, ledger included.)"""

    class Meta:
        model = StockLevel

    inventory_item = factory.SubFactory(InventoryItemFactory)
    branch = factory.SubFactory(BranchFactory)
    quantity = 0
    reserved_quantity = 0

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        row = super()._create(model_class, *args, **kwargs)
        if row.quantity:
            StockMovement.objects.create(
                inventory_item=row.inventory_item,
                to_branch=row.branch,
                movement_type=MovementType.IN,
                quantity=row.quantity,
                to_balance_after=row.quantity,
            )
        alerts_sync(pairs=[(row.inventory_item_id, row.branch_id)], notify=False)
        return row


def _given(**fields) -> dict:
    """The fields a helper's caller gave (``None`` leaves the factory's default)."""
    return {k: v for k, v in fields.items() if v is not None}


def make_branch(code: str | None = None, name: str | None = None, **fields) -> Branch:
    """A branch; the name defaults to ``Branch <code>``."""
    return BranchFactory(**_given(code=code, name=name), **fields)


def make_category(name: str | None = None, parent: Category | None = None, **fields) -> Category:
    return CategoryFactory(**_given(name=name), parent_category=parent, **fields)


def make_item(sku: str | None = None, name: str | None = None, **fields) -> InventoryItem:
    """An item (10.00 a piece, no category unless given); the name defaults to ``Item <sku>``."""
    return InventoryItemFactory(**_given(sku=sku, name=name), **fields)


def stock(item: InventoryItem, branch: Branch, quantity: int, reserved: int = 0) -> StockLevel:
    """A stock row with its opening IN movement, so the ledger invariant holds."""
    return StockLevelFactory(inventory_item=item, branch=branch, quantity=quantity, reserved_quantity=reserved)
