"""Writes for branches, categories and items (docs/api.md, "Branches, categories, items")."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model, ProtectedError

from inventory_app import metrics, selectors
from inventory_app.exceptions import (
    BranchExists,
    BranchInUse,
    BranchNotFound,
    CategoryCycle,
    CategoryExists,
    CategoryNotFound,
    ItemExists,
    ItemInUse,
    ItemNotFound,
)
from inventory_app.models import Branch, Category, InventoryItem
from inventory_app.services.alerts import alerts_sync
from inventory_app.services.assignments import assignments_removed_with_branch
from natjoub.db.locks import advisory_xact_lock

BRANCH_FIELDS = ("name", "address", "city", "country", "phone_number", "email", "manager_name", "is_active")
ITEM_FIELDS = (
    "name",
    "description",
    "category_id",
    "unit_of_measure",
    "unit_price",
    "reorder_level",
    "reorder_quantity",
    "barcode",
    "image_url",
    "is_active",
)
CATEGORY_FIELDS = ("name", "description", "is_active")
CATEGORY_TREE_LOCK = "inventory.category_tree"
ITEM_ALERT_FIELDS = {"reorder_level", "is_active"}  # they decide which of the item's rows are low (§29a)


def _locked(model: type[Model], pk: uuid.UUID, error: Exception):
    obj = model.objects.select_for_update().filter(pk=pk).first()
    if obj is None:
        raise error
    return obj


def _apply(obj: Model, changes: dict[str, Any], allowed: tuple[str, ...]) -> list[str]:
    fields = []
    for name in allowed:
        if name in changes:
            setattr(obj, name, changes[name])
            fields.append(name)
    return fields


def _insert_unique(obj: Model, exists: Exception, *, on_conflict=None) -> None:
    """Insert ``obj``; a unique violation (a concurrent create won the race) raises ``exists``.
    ``on_conflict`` runs first, for callers whose insert can also fail on a vanished reference."""
    try:
        with transaction.atomic():
            obj.save(force_insert=True)
    except IntegrityError:
        if on_conflict is not None:
            on_conflict()
        raise exists from None


# -- branches ---------------------------------------------------------------------------------
def branch_create(*, name: str, code: str, **optional: Any) -> Branch:
    exists = BranchExists(code=code)
    if Branch.objects.filter(code=code).exists():
        raise exists
    branch = Branch(name=name, code=code, **{k: v for k, v in optional.items() if k in BRANCH_FIELDS})
    branch.is_active = True
    _insert_unique(branch, exists)
    return branch


@transaction.atomic
def branch_update(*, branch_id: uuid.UUID, changes: dict[str, Any]) -> Branch:
    branch = _locked(Branch, branch_id, BranchNotFound(branch_id=branch_id))
    fields = _apply(branch, changes, BRANCH_FIELDS)
    branch.save(update_fields=[*fields, "updated_at"])
    if "is_active" in fields:  # an inactive branch has no open alerts (docs/api.md §29a)
        alerts_sync(branch_id=branch.pk)
    return branch


def branch_delete(*, branch_id: uuid.UUID, deleted_by: uuid.UUID | None = None) -> None:
    """Hard delete (its zero-quantity stock rows go with it) unless the branch is in use. Its
    assignments are removed and audited one by one (docs/api.md §36); a seller whose only branch
    it was has no branch afterwards (never every branch).

    The row lock makes concurrent movements and reservations (which take ``FOR KEY SHARE`` on
    the branch) wait, so nothing can start using the branch between the check and the delete."""
    try:
        with transaction.atomic():
            branch = _locked(Branch, branch_id, BranchNotFound(branch_id=branch_id))
            if selectors.branch_in_use(branch):
                raise BranchInUse
            assignments_removed_with_branch(branch_id=branch_id, deleted_by=deleted_by)
            branch.delete()
    except (ProtectedError, IntegrityError):
        raise BranchInUse from None


# -- categories -------------------------------------------------------------------------------
def _parent_must_exist(parent_id: uuid.UUID) -> None:
    if not Category.objects.filter(pk=parent_id).exists():
        raise CategoryNotFound(category_id=parent_id, referenced_by="parent_category_id")


def category_create(
    *, name: str, description: str | None = None, parent_category_id: uuid.UUID | None = None
) -> Category:
    if parent_category_id is not None:
        _parent_must_exist(parent_category_id)
    exists = CategoryExists(name=name)
    if Category.objects.filter(name=name).exists():
        raise exists
    category = Category(name=name, description=description, parent_category_id=parent_category_id, is_active=True)
    on_conflict = (lambda: _parent_must_exist(parent_category_id)) if parent_category_id is not None else None
    _insert_unique(category, exists, on_conflict=on_conflict)  # the parent may have vanished meanwhile
    return category


def category_update(*, category_id: uuid.UUID, changes: dict[str, Any]) -> Category:
    """``changes`` holds what changes; ``parent_category_id: None`` moves the category to the top
    level (the back office can; the API treats null as "unchanged" and never passes it)."""
    name = changes.get("name")
    exists = CategoryExists(name=name)
    moving = "parent_category_id" in changes
    parent_id = changes.get("parent_category_id")
    try:
        with transaction.atomic():
            if moving:
                advisory_xact_lock(CATEGORY_TREE_LOCK)  # one hierarchy change at a time: no cycle by a race
            category = _locked(Category, category_id, CategoryNotFound(category_id=category_id))
            if parent_id is not None:
                _parent_must_exist(parent_id)
                if category.pk in selectors.category_ancestor_ids(parent_id):
                    raise CategoryCycle
            if moving:
                category.parent_category_id = parent_id
            if name is not None and name != category.name and Category.objects.filter(name=name).exists():
                raise exists
            fields = _apply(category, changes, CATEGORY_FIELDS)
            if moving:
                fields.append("parent_category_id")
            category.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:
        raise exists from None
    return category


@transaction.atomic
def category_delete(*, category_id: uuid.UUID) -> None:
    """Hard delete; children move to the top level and items lose their category."""
    category = _locked(Category, category_id, CategoryNotFound(category_id=category_id))
    Category.objects.filter(parent_category_id=category.pk).update(parent_category=None)
    InventoryItem.objects.filter(category_id=category.pk).update(category=None)
    category.delete()


# -- items ------------------------------------------------------------------------------------
def _category_must_exist(category_id: uuid.UUID | None) -> None:
    if category_id is not None and not Category.objects.filter(pk=category_id).exists():
        raise CategoryNotFound(category_id=category_id, referenced_by="category_id")


def item_create(*, sku: str, name: str, unit_of_measure: str, unit_price, **optional: Any) -> InventoryItem:
    category_id = optional.get("category_id")
    _category_must_exist(category_id)
    exists = ItemExists(sku=sku)
    if InventoryItem.objects.filter(sku=sku).exists():
        raise exists
    item = InventoryItem(
        sku=sku,
        name=name,
        unit_of_measure=unit_of_measure,
        unit_price=unit_price,
        **{k: v for k, v in optional.items() if k in ITEM_FIELDS and k != "is_active"},
    )
    item.is_active = True
    _insert_unique(item, exists, on_conflict=lambda: _category_must_exist(category_id))
    transaction.on_commit(metrics.ITEMS_CREATED.inc)
    return item


def item_update(*, item_id: uuid.UUID, changes: dict[str, Any]) -> InventoryItem:
    try:
        with transaction.atomic():
            item = _locked(InventoryItem, item_id, ItemNotFound(item_id=item_id))
            _category_must_exist(changes.get("category_id"))
            fields = _apply(item, changes, ITEM_FIELDS)
            item.save(update_fields=[*fields, "updated_at"])
            if ITEM_ALERT_FIELDS.intersection(fields):
                alerts_sync(inventory_item_id=item.pk)
    except IntegrityError:  # the category was deleted meanwhile
        _category_must_exist(changes.get("category_id"))
        raise
    return item


def item_delete(*, item_id: uuid.UUID) -> None:
    try:
        with transaction.atomic():
            item = _locked(InventoryItem, item_id, ItemNotFound(item_id=item_id))
            if selectors.item_in_use(item):
                raise ItemInUse
            item.delete()
    except (ProtectedError, IntegrityError):
        raise ItemInUse from None
