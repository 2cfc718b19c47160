"""Branches, categories and items (docs/api.md §9-§11)."""

from __future__ import annotations

from django.db import models

from natjoub.db.models import TimestampedModel


class Branch(TimestampedModel):
    """A physical store or warehouse."""

    name = models.CharField(max_length=255)
    code = models.CharField(max_length=50, unique=True)
    address = models.TextField(null=True, blank=True)
    city = models.CharField(max_length=100, null=True, blank=True)
    country = models.CharField(max_length=100, null=True, blank=True)
    phone_number = models.CharField(max_length=20, null=True, blank=True)
    email = models.CharField(max_length=255, null=True, blank=True)
    manager_name = models.CharField(max_length=255, null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = '"inventory_schema"."branches"'
        ordering = ["created_at", "id"]
        verbose_name_plural = "branches"

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Category(TimestampedModel):
    """A product category; categories form a tree through ``parent_category``."""

    name = models.CharField(max_length=255, unique=True)
    description = models.TextField(null=True, blank=True)
    parent_category = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = '"inventory_schema"."categories"'
        ordering = ["name", "id"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class InventoryItem(TimestampedModel):
    """A product identified by its SKU."""

    sku = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="items")
    unit_of_measure = models.CharField(max_length=50)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    reorder_level = models.IntegerField(default=10)
    reorder_quantity = models.IntegerField(default=50)
    barcode = models.CharField(max_length=255, null=True, blank=True)
    image_url = models.CharField(max_length=500, null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = '"inventory_schema"."inventory_items"'
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.sku} — {self.name}"
