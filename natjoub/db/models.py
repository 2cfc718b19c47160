"""Abstract model bases shared by the apps."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone


class UUIDModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class CreatedAtModel(UUIDModel):
    created_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)

    class Meta:
        abstract = True


class TimestampedModel(CreatedAtModel):
    """``created_at`` defaults to now (in the database too); ``updated_at`` is set on every save."""

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
