"""Inventory API routes (filled by the inventory viewsets)."""

urlpatterns: list = []
