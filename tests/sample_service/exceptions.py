from enum import StrEnum
from typing import ClassVar

from natjoub.api.errors import ApplicationError, ReferencedRowMissing


class SampleErrorCode(StrEnum):
    NOTE_NOT_FOUND = "SAMPLE_NOTE_NOT_FOUND"
    NOTE_EXISTS = "SAMPLE_NOTE_EXISTS"


class NoteNotFound(ReferencedRowMissing):
    code = SampleErrorCode.NOTE_NOT_FOUND
    template = "Note not found with id: {note_id}"
    referenced_templates: ClassVar[dict[str, str]] = {}


class NoteExists(ApplicationError):
    code, status, template = SampleErrorCode.NOTE_EXISTS, 409, "Note with title {title} already exists"
