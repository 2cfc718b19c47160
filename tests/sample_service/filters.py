from natjoub.api.filters import ApiFilterSet, StrictUUIDFilter


class NoteFilterSet(ApiFilterSet):
    owner_id = StrictUUIDFilter(help_text="Notes of this owner")
