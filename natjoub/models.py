"""Models of the core: stored responses of idempotent requests (natjoub/api/idempotency.py), the
mail outbox (natjoub/outbox.py) and the list counters kept by database triggers
(natjoub/db/counters.py)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

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


class OutboxMail(models.Model):
    """One mail *event* waiting to be delivered, written in the transaction that caused it
    (docs/architecture.md §3.12): it exists iff that transaction committed. ``payload`` holds ids,
    never a secret (the renderer reads what the mail needs when it sends it). A statement trigger
    (natjoub 0005) NOTIFYs ``natjoub_mail_outbox`` on insert, delivered at commit."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=100)
    payload = models.JSONField()
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    attempts = models.SmallIntegerField(db_default=0)
    next_attempt_at = models.DateTimeField(db_default=Now())
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)  # gave up after MAIL_OUTBOX_MAX_ATTEMPTS
    last_error = models.CharField(max_length=500, blank=True, db_default="")

    class Meta:
        db_table = '"core_schema"."mail_outbox"'
        ordering = ["-id"]
        verbose_name = "outbox mail"
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="mail_outbox_due_idx",
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
            ),
            models.Index(fields=["failed_at"], name="mail_outbox_failed_idx", condition=Q(failed_at__isnull=False)),
            models.Index(fields=["sent_at"], name="mail_outbox_sent_idx", condition=Q(sent_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.id} ({self.status})"

    @property
    def status(self) -> str:
        if self.sent_at is not None:
            return "sent"
        return "failed" if self.failed_at is not None else "pending"


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
