from django.db import IntegrityError, transaction

from tests.sample_service.exceptions import NoteExists, NoteNotFound
from tests.sample_service.models import Note


def note_create(*, owner_id, title: str, body: str = "") -> Note:
    try:
        with transaction.atomic():
            return Note.objects.create(owner_id=owner_id, title=title, body=body)
    except IntegrityError as exc:
        raise NoteExists(title=title) from exc


def note_update(*, note_id, changes: dict) -> Note:
    with transaction.atomic():
        note = Note.objects.select_for_update().filter(pk=note_id).first()
        if note is None:
            raise NoteNotFound(note_id=note_id)
        for name, value in changes.items():
            setattr(note, name, value)
        try:
            with transaction.atomic():
                note.save()
        except IntegrityError as exc:
            raise NoteExists(title=note.title) from exc
    return note


def note_delete(*, note_id) -> None:
    deleted, _ = Note.objects.filter(pk=note_id).delete()
    if not deleted:
        raise NoteNotFound(note_id=note_id)


def on_user_deleting(sender, *, user_id, role, actor_id, **kwargs) -> None:
    """auth_app.directory.user_deleting: a deleted user's notes go in the same transaction."""
    Note.objects.filter(owner_id=user_id).delete()
