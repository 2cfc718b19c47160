from django.db.models import QuerySet

from tests.sample_service.exceptions import NoteNotFound
from tests.sample_service.models import Note


def note_list(*, owner_id=None) -> QuerySet[Note]:
    notes = Note.objects.order_by("title", "id")
    return notes if owner_id is None else notes.filter(owner_id=owner_id)


def note_get(note_id) -> Note:
    note = Note.objects.filter(pk=note_id).first()
    if note is None:
        raise NoteNotFound(note_id=note_id)
    return note


def note_count(*, owner_id=None) -> int:
    return note_list(owner_id=owner_id).count()
