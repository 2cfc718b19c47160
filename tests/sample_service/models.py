from django.db import models

from natjoub.db.models import TimestampedModel


class Note(TimestampedModel):
    """A titled note of one user (``owner_id``: a plain UUID, auth's tables stay auth's)."""

    owner_id = models.UUIDField()
    title = models.CharField(max_length=100)
    body = models.TextField(blank=True, default="")

    class Meta:
        db_table = '"sample_schema"."notes"'
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner_id", "title"], name="notes_owner_title_uniq", violation_error_message="Title in use"
            )
        ]

    def __str__(self) -> str:
        return self.title
