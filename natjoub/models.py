"""Models of the core: stored responses of idempotent requests (natjoub/api/idempotency.py) and
the list counters kept by database triggers (natjoub/db/counters.py)."""

from __future__ import annotations

from django.db import models

from natjoub.db.models import CreatedAtModel


class IdempotencyKey(CreatedAtModel):
    """The stored response of the first successful request with a key (docs/api.md, "Idempotency").

    In the core's own schema (natjoub 0001; natjoub 0004 moved older databases' table there)."""

    user_id = models.UUIDField()
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.IntegerField()
    response_body = models.JSONField()

    class Meta:
        db_table = '"core_schema"."idempotency_keys"'
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["created_at"], name="idempotency_keys_created_idx")]
        constraints = [models.UniqueConstraint(fields=["user_id", "key"], name="idempotency_keys_user_key_uniq")]

    def __str__(self) -> str:
        return f"{self.key} ({self.user_id})"


class ListCount(models.Model):
    """One slot of an exact row counter (natjoub/db/counters.py); written only by triggers."""

    pk = models.CompositePrimaryKey("counter", "slot")
    counter = models.CharField(max_length=200)
    slot = models.SmallIntegerField()
    n = models.BigIntegerField(default=0)

    class Meta:
        db_table = "natjoub_list_counts"
        ordering = ["counter", "slot"]

    def __str__(self) -> str:
        return f"{self.counter}[{self.slot}] = {self.n}"
