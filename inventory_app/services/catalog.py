"""Writes for branches, categories and items (contract §9–§11)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from inventory_app import metrics
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
from inventory_app.models import Branch, Category, InventoryItem, StockMovement, StockReservation

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
CATEGORY_TREE_LOCK = "inventory.category_tree"


def _locked(model, pk: uuid.UUID, error):
    obj = model.objects.select_for_update().filter(pk=pk).first()
    if obj is None:
        raise error
    return obj


def _apply(obj, changes: dict[str, Any], allowed: tuple[str, ...]) -> list[str]:
    fields = []
    for name in allowed:
        if name in changes:
            setattr(obj, name, changes[name])
            fields.append(name)
    return fields


# -- branches ---------------------------------------------------------------------------------
def branch_create(*, name: str, code: str, **optional: Any) -> Branch:
    branch = Branch(name=name, code=code, **{k: v for k, v in optional.items() if k in BRANCH_FIELDS})
    branch.is_active = True
    exists = BranchExists(f"Branch with code {code} already exists")
    if Branch.objects.filter(code=code).exists():
        raise exists
    try:
        with transaction.atomic():
            branch.save(force_insert=True)
    except IntegrityError:  # a concurrent create with the same code won
        raise exists from None
    return branch


@transaction.atomic
def branch_update(*, branch_id: uuid.UUID, changes: dict[str, Any]) -> Branch:
    branch = _locked(Branch, branch_id, BranchNotFound(f"Branch not found with id: {branch_id}"))
    fields = _apply(branch, changes, BRANCH_FIELDS)
    branch.save(update_fields=[*fields, "updated_at"])
    return branch


def branch_in_use(branch: Branch) -> bool:
    return (
        branch.stock_levels.exclude(quantity=0).exists()
        or StockReservation.objects.filter(branch=branch).exists()
        or StockMovement.objects.filter(from_branch=branch).exists()
        or StockMovement.objects.filter(to_branch=branch).exists()
    )


def branch_delete(*, branch_id: uuid.UUID) -> None:
    """Hard delete (its zero-quantity stock rows go with it) unless the branch is in use.

    The row lock makes concurrent movements and reservations (which take ``FOR KEY SHARE`` on
    the branch) wait, so nothing can start using the branch between the check and the delete."""
    try:
        with transaction.atomic():
            branch = _locked(Branch, branch_id, BranchNotFound(f"Branch not found with id: {branch_id}"))
            if branch_in_use(branch):
                raise BranchInUse
            branch.delete()
    except (ProtectedError, IntegrityError):
        raise BranchInUse from None


# -- categories -------------------------------------------------------------------------------
def _parent(parent_id: uuid.UUID) -> Category:
    parent = Category.objects.filter(pk=parent_id).first()
    if parent is None:
        raise CategoryNotFound(f"Parent category not found with id: {parent_id}", status=400)
    return parent


def category_create(*, name: str, description: str | None = None, parent_category_id: uuid.UUID | None = None):
    if parent_category_id is not None:
        _parent(parent_category_id)
    exists = CategoryExists(f"Category with name {name} already exists")
    if Category.objects.filter(name=name).exists():
        raise exists
    category = Category(name=name, description=description, parent_category_id=parent_category_id, is_active=True)
    try:
        with transaction.atomic():
            category.save(force_insert=True)
    except IntegrityError:  # the parent vanished or a concurrent create won
        if parent_category_id is not None and not Category.objects.filter(pk=parent_category_id).exists():
            raise CategoryNotFound(f"Parent category not found with id: {parent_category_id}", status=400) from None
        raise exists from None
    return category


def category_ancestor_ids(category_id: uuid.UUID) -> set[uuid.UUID]:
    """The category and its ancestors (one recursive query)."""
    table = Category._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE up(id, parent) AS (
                SELECT id, parent_category_id FROM {table} WHERE id = %s
                UNION
                SELECT c.id, c.parent_category_id FROM {table} c JOIN up ON c.id = up.parent
            )
            SELECT id FROM up
            """,  # noqa: S608 - table name from model metadata
            [category_id],
        )
        return {row[0] for row in cursor.fetchall()}


def category_update(*, category_id: uuid.UUID, changes: dict[str, Any]) -> Category:
    not_found = CategoryNotFound(f"Category not found with id: {category_id}")
    name = changes.get("name")
    exists = CategoryExists(f"Category with name {name} already exists")
    try:
        with transaction.atomic():
            parent_id = changes.get("parent_category_id")
            if parent_id is not None:
                # One hierarchy change at a time, so two concurrent moves cannot form a cycle.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [CATEGORY_TREE_LOCK])
            category = _locked(Category, category_id, not_found)
            if parent_id is not None:
                _parent(parent_id)
                if category.pk in category_ancestor_ids(parent_id):
                    raise CategoryCycle
                category.parent_category_id = parent_id
            if name is not None and name != category.name and Category.objects.filter(name=name).exists():
                raise exists
            fields = _apply(category, changes, ("name", "description", "is_active"))
            if parent_id is not None:
                fields.append("parent_category_id")
            category.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:
        raise exists from None
    return category


@transaction.atomic
def category_delete(*, category_id: uuid.UUID) -> None:
    """Hard delete; children move to the top level and items lose their category."""
    category = _locked(Category, category_id, CategoryNotFound(f"Category not found with id: {category_id}"))
    Category.objects.filter(parent_category_id=category.pk).update(parent_category=None)
    InventoryItem.objects.filter(category_id=category.pk).update(category=None)
    category.delete()


# -- items ------------------------------------------------------------------------------------
def _category_must_exist(category_id: uuid.UUID | None) -> None:
    if category_id is not None and not Category.objects.filter(pk=category_id).exists():
        raise CategoryNotFound(f"Category not found with id: {category_id}", status=400)


def item_create(*, sku: str, name: str, unit_of_measure: str, unit_price, **optional: Any) -> InventoryItem:
    _category_must_exist(optional.get("category_id"))
    exists = ItemExists(f"Item with SKU {sku} already exists")
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
    try:
        with transaction.atomic():
            item.save(force_insert=True)
            transaction.on_commit(metrics.ITEMS_CREATED.inc)
    except IntegrityError:
        _category_must_exist(optional.get("category_id"))
        raise exists from None
    return item


def item_update(*, item_id: uuid.UUID, changes: dict[str, Any]) -> InventoryItem:
    try:
        with transaction.atomic():
            item = _locked(InventoryItem, item_id, ItemNotFound(f"Inventory item not found with id: {item_id}"))
            _category_must_exist(changes.get("category_id"))
            fields = _apply(item, changes, ITEM_FIELDS)
            item.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:  # the category was deleted meanwhile
        _category_must_exist(changes.get("category_id"))
        raise
    return item


def item_in_use(item: InventoryItem) -> bool:
    return (
        item.stock_levels.exclude(quantity=0).exists()
        or StockReservation.objects.filter(inventory_item=item).exists()
        or StockMovement.objects.filter(inventory_item=item).exists()
    )


def item_delete(*, item_id: uuid.UUID) -> None:
    try:
        with transaction.atomic():
            item = _locked(InventoryItem, item_id, ItemNotFound(f"Inventory item not found with id: {item_id}"))
            if item_in_use(item):
                raise ItemInUse
            item.delete()
    except (ProtectedError, IntegrityError):
        raise ItemInUse from None
